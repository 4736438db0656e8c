using System.Data;
using System.Data.Common;
using System.Globalization;
using Fabric.Persistence;
using Fabric.Storage;

namespace Fabric.Rewards;

/// <summary>
/// The reward tables (migration 0003) on SQLite or PostgreSQL, in SQL common to both. An epoch's plan (its row, every
/// device's share, every wallet's payout) is written in one transaction before anything is minted, and marked applied
/// (with the per-device totals) in another once every mint is in the ledger.
/// </summary>
public sealed class RewardStore(FabricStorage storage)
{
    private readonly FabricDb _db = new(storage);

    private const string EpochColumns =
        "Epoch, HourStartUnixMs, Issuance, GpuPool, CpuPool, Distributed, Devices, Owners, Complete, Status, PlannedAtUnixMs, AppliedAtUnixMs";

    /// <summary>The epoch's row, or null before it is planned.</summary>
    public async Task<RewardEpoch?> ReadEpochAsync(string stream, long epoch)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, null,
            $"SELECT {EpochColumns} FROM FabricRewardEpoch WHERE Stream = @stream AND Epoch = @epoch", ("@stream", stream), ("@epoch", epoch));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? ReadEpoch(reader) : null;
    }

    /// <summary>
    /// Writes the plan of <paramref name="epoch"/>: its row (Planned), the device shares and the payouts per wallet (the
    /// shares summed by owner, those above zero). False, writing nothing, when the epoch was planned already.
    /// </summary>
    public async Task<bool> WritePlanAsync(string stream, RewardEpoch epoch, IReadOnlyList<RewardShare> shares)
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.Serializable);
        await using (var insert = Command(connection, transaction, $"""
            INSERT INTO FabricRewardEpoch (Stream, {EpochColumns})
            VALUES (@stream, @epoch, @hour, @issuance, @gpu, @cpu, @distributed, @devices, @owners, @complete, 'Planned', @planned, NULL)
            ON CONFLICT (Stream, Epoch) DO NOTHING
            """,
            ("@stream", stream), ("@epoch", epoch.Epoch), ("@hour", epoch.HourStart.ToUnixTimeMilliseconds()), ("@issuance", epoch.Issuance),
            ("@gpu", epoch.GpuPool), ("@cpu", epoch.CpuPool), ("@distributed", epoch.Distributed), ("@devices", (long)epoch.Devices),
            ("@owners", (long)epoch.Owners), ("@complete", epoch.Complete ? 1L : 0L), ("@planned", epoch.PlannedAt.ToUnixTimeMilliseconds())))
        {
            if (await insert.ExecuteNonQueryAsync() == 0)
            {
                await transaction.RollbackAsync();
                return false;
            }
        }

        if (shares.Count > 0)
        {
            await using var share = Command(connection, transaction, """
                INSERT INTO FabricRewardShare (Stream, Epoch, DeviceId, Owner, Seconds, WeightedSeconds, BonusBps, Amount)
                VALUES (@stream, @epoch, @device, @owner, @seconds, @weighted, @bonus, @amount)
                """,
                ("@stream", stream), ("@epoch", epoch.Epoch), ("@device", ""), ("@owner", ""), ("@seconds", 0L), ("@weighted", 0L),
                ("@bonus", 0L), ("@amount", 0L));
            await share.PrepareAsync();
            var p = share.Parameters;
            foreach (var s in shares)
            {
                p[2].Value = s.DeviceId;
                p[3].Value = s.Owner;
                p[4].Value = (long)s.Seconds;
                p[5].Value = s.WeightedSeconds;
                p[6].Value = (long)s.BonusBps;
                p[7].Value = s.Amount;
                await share.ExecuteNonQueryAsync();
            }

            await using var payouts = Command(connection, transaction, """
                INSERT INTO FabricRewardPayout (Stream, Epoch, Owner, Amount, Devices)
                SELECT Stream, Epoch, Owner, SUM(Amount), COUNT(*) FROM FabricRewardShare
                WHERE Stream = @stream AND Epoch = @epoch GROUP BY Stream, Epoch, Owner HAVING SUM(Amount) > 0
                """, ("@stream", stream), ("@epoch", epoch.Epoch));
            await payouts.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return true;
    }

    /// <summary>The epoch's payouts as planned, in wallet order: what to mint.</summary>
    public async Task<IReadOnlyList<(string Owner, long Amount)>> ReadPlannedMintsAsync(string stream, long epoch)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, null,
            "SELECT Owner, Amount FROM FabricRewardPayout WHERE Stream = @stream AND Epoch = @epoch ORDER BY Owner",
            ("@stream", stream), ("@epoch", epoch));
        var mints = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            mints.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return mints;
    }

    /// <summary>
    /// Marks a planned epoch applied, adds its shares to the per-device totals (once: only on the change from
    /// Planned), and drops device shares older than <paramref name="keepHours"/> hours before it.
    /// </summary>
    public async Task MarkAppliedAsync(string stream, long epoch, DateTimeOffset at, int keepHours)
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.Serializable);
        await using (var mark = Command(connection, transaction, """
            UPDATE FabricRewardEpoch SET Status = 'Applied', AppliedAtUnixMs = @at
            WHERE Stream = @stream AND Epoch = @epoch AND Status = 'Planned'
            """, ("@stream", stream), ("@epoch", epoch), ("@at", at.ToUnixTimeMilliseconds())))
        {
            if (await mark.ExecuteNonQueryAsync() == 0)
            {
                await transaction.RollbackAsync();
                return;
            }
        }

        await using (var totals = Command(connection, transaction, """
            INSERT INTO FabricRewardDevice (Stream, DeviceId, Owner, Earned, Epochs, LastEpoch)
            SELECT Stream, DeviceId, Owner, Amount, 1, Epoch FROM FabricRewardShare WHERE Stream = @stream AND Epoch = @epoch
            ON CONFLICT (Stream, DeviceId) DO UPDATE SET
                Owner = excluded.Owner,
                Earned = FabricRewardDevice.Earned + excluded.Earned,
                Epochs = FabricRewardDevice.Epochs + 1,
                LastEpoch = excluded.LastEpoch
            """, ("@stream", stream), ("@epoch", epoch)))
        {
            await totals.ExecuteNonQueryAsync();
        }

        await using (var prune = Command(connection, transaction,
            "DELETE FROM FabricRewardShare WHERE Stream = @stream AND Epoch <= @oldest",
            ("@stream", stream), ("@oldest", epoch - keepHours)))
        {
            await prune.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    /// <summary>Epochs, newest first.</summary>
    public async Task<Page<RewardEpoch>> ReadEpochsAsync(string stream, PageRequest page)
    {
        await using var connection = await OpenAsync();
        var total = await CountAsync(connection, "SELECT COUNT(*) FROM FabricRewardEpoch WHERE Stream = @stream", ("@stream", stream));
        await using var command = Command(connection, null,
            $"SELECT {EpochColumns} FROM FabricRewardEpoch WHERE Stream = @stream ORDER BY Epoch DESC LIMIT @take OFFSET @skip",
            ("@stream", stream), ("@take", page.Take), ("@skip", page.Skip));
        var items = new List<RewardEpoch>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            items.Add(ReadEpoch(reader));
        }

        return new Page<RewardEpoch> { Items = items, Total = total };
    }

    /// <summary>A wallet's payouts, newest first.</summary>
    public async Task<Page<RewardPayout>> ReadPayoutsAsync(string stream, string owner, PageRequest page)
    {
        await using var connection = await OpenAsync();
        var total = await CountAsync(connection, "SELECT COUNT(*) FROM FabricRewardPayout WHERE Stream = @stream AND Owner = @owner",
            ("@stream", stream), ("@owner", owner));
        await using var command = Command(connection, null, """
            SELECT p.Epoch, e.HourStartUnixMs, p.Amount, p.Devices
            FROM FabricRewardPayout p JOIN FabricRewardEpoch e ON e.Stream = p.Stream AND e.Epoch = p.Epoch
            WHERE p.Stream = @stream AND p.Owner = @owner ORDER BY p.Epoch DESC LIMIT @take OFFSET @skip
            """, ("@stream", stream), ("@owner", owner), ("@take", page.Take), ("@skip", page.Skip));
        var items = new List<RewardPayout>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var epoch = reader.GetInt64(0);
            items.Add(new RewardPayout
            {
                Epoch = epoch,
                HourStart = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                Owner = owner,
                Amount = reader.GetInt64(2),
                Devices = (int)reader.GetInt64(3),
                OperationId = RewardGrain.OperationId(stream, epoch, owner),
            });
        }

        return new Page<RewardPayout> { Items = items, Total = total };
    }

    /// <summary>A device's totals (applied epochs) and its latest <paramref name="take"/> shares, newest first.</summary>
    public async Task<DeviceEarnings> ReadDeviceEarningsAsync(string stream, string deviceId, int take)
    {
        await using var connection = await OpenAsync();
        var (owner, earned, epochs) = ("", 0L, 0);
        await using (var totals = Command(connection, null,
            "SELECT Owner, Earned, Epochs FROM FabricRewardDevice WHERE Stream = @stream AND DeviceId = @device",
            ("@stream", stream), ("@device", deviceId)))
        await using (var reader = await totals.ExecuteReaderAsync())
        {
            if (await reader.ReadAsync())
            {
                (owner, earned, epochs) = (reader.GetString(0), reader.GetInt64(1), (int)reader.GetInt64(2));
            }
        }

        var recent = new List<DeviceEarning>();
        await using (var command = Command(connection, null, """
            SELECT s.Epoch, e.HourStartUnixMs, s.Seconds, s.WeightedSeconds, s.BonusBps, s.Amount, s.Owner
            FROM FabricRewardShare s JOIN FabricRewardEpoch e ON e.Stream = s.Stream AND e.Epoch = s.Epoch
            WHERE s.Stream = @stream AND s.DeviceId = @device AND e.Status = 'Applied' ORDER BY s.Epoch DESC LIMIT @take
            """, ("@stream", stream), ("@device", deviceId), ("@take", take)))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                recent.Add(new DeviceEarning
                {
                    Epoch = reader.GetInt64(0),
                    HourStart = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                    Seconds = (int)reader.GetInt64(2),
                    WeightedSeconds = reader.GetInt64(3),
                    BonusBps = (int)reader.GetInt64(4),
                    Amount = reader.GetInt64(5),
                });
                owner = owner.Length == 0 ? reader.GetString(6) : owner;
            }
        }

        return new DeviceEarnings { DeviceId = deviceId, Owner = owner, Total = earned, Epochs = epochs, Recent = recent };
    }

    private static RewardEpoch ReadEpoch(DbDataReader reader) => new()
    {
        Epoch = reader.GetInt64(0),
        HourStart = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
        Issuance = reader.GetInt64(2),
        GpuPool = reader.GetInt64(3),
        CpuPool = reader.GetInt64(4),
        Distributed = reader.GetInt64(5),
        Devices = (int)reader.GetInt64(6),
        Owners = (int)reader.GetInt64(7),
        Complete = reader.GetInt64(8) != 0,
        Status = Enum.Parse<RewardEpochStatus>(reader.GetString(9)),
        PlannedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)),
        AppliedAt = reader.IsDBNull(11) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)),
    };

    private static async Task<int> CountAsync(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, null, sql, parameters);
        return (int)Math.Min(int.MaxValue, Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture));
    }

    private Task<DbConnection> OpenAsync() => _db.OpenAsync();

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters) =>
        FabricDb.Command(connection, transaction, sql, parameters);
}
