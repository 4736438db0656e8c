using System.Data;
using System.Data.Common;
using Fabric.Money;
using Fabric.Persistence;
using Fabric.Storage;

namespace Fabric.Ledger;

/// <summary>
/// The ledger's tables (migration 0002) on SQLite or PostgreSQL. The SQL is the same for both: named parameters,
/// INSERT ... ON CONFLICT upserts and LIMIT/OFFSET are common to the two dialects.
/// </summary>
public sealed class LedgerStore(FabricStorage storage)
{
    private readonly FabricDb _db = new(storage);

    /// <summary>Opens a write transaction (SQLite takes its write lock now: BEGIN IMMEDIATE).</summary>
    public async Task<LedgerWrite> BeginWriteAsync()
    {
        var connection = await OpenAsync();
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.Serializable);
            return new LedgerWrite(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The newest event's sequence and hash; (0, genesis hash) for an empty ledger.</summary>
    public async Task<(long Sequence, byte[] Hash)> ReadHeadAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, null,
            "SELECT Sequence, Hash FROM FabricLedgerEvent ORDER BY Sequence DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), (byte[])reader[1]) : (0, EventHashing.GenesisHash);
    }

    /// <summary>Balances of one wallet: its available account and the sum of its holds, per token.</summary>
    public async Task<IReadOnlyList<TokenBalance>> ReadBalancesAsync(string owner)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, null, """
            SELECT Token,
                   SUM(CASE WHEN Account LIKE 'wallet:%' THEN Balance ELSE 0 END),
                   SUM(CASE WHEN Account LIKE 'hold:%' THEN Balance ELSE 0 END)
            FROM FabricLedgerAccount WHERE Owner = @owner GROUP BY Token
            """, ("@owner", owner));
        var found = new Dictionary<Token, TokenBalance>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var token = (Token)reader.GetInt64(0);
            found[token] = new TokenBalance { Token = token, Available = reader.GetInt64(1), Held = reader.GetInt64(2) };
        }

        return [.. Enum.GetValues<Token>().Select(t => found.GetValueOrDefault(t) ?? new TokenBalance { Token = t, Available = 0, Held = 0 })];
    }

    /// <summary>Events touching <paramref name="owner"/>'s accounts, newest first, and how many there are.</summary>
    public async Task<Page<LedgerEvent>> ReadHistoryAsync(string owner, PageRequest page)
    {
        await using var connection = await OpenAsync();
        long total;
        await using (var count = Command(connection, null,
            "SELECT COUNT(DISTINCT Sequence) FROM FabricLedgerPosting WHERE Owner = @owner", ("@owner", owner)))
        {
            total = Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        }

        var events = await ReadEventsAsync(connection, """
            WHERE Sequence IN (SELECT DISTINCT Sequence FROM FabricLedgerPosting WHERE Owner = @owner)
            ORDER BY Sequence DESC LIMIT @take OFFSET @skip
            """, ("@owner", owner), ("@take", page.Take), ("@skip", page.Skip));
        return new Page<LedgerEvent> { Items = events, Total = (int)Math.Min(total, int.MaxValue) };
    }

    /// <summary>
    /// Fee revenue of <paramref name="treasury"/> in <paramref name="token"/> over [<paramref name="from"/>,
    /// <paramref name="to"/>): the sum of what capture events credited to its wallet (payment fees plus booking fees),
    /// by the events' ledger time. Only captures pay the treasury fees; it is never a renter or supplier itself.
    /// </summary>
    public async Task<long> ReadFeeRevenueAsync(string treasury, Token token, DateTimeOffset from, DateTimeOffset to)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, null, """
            SELECT COALESCE(SUM(p.Delta), 0) FROM FabricLedgerPosting p JOIN FabricLedgerEvent e ON e.Sequence = p.Sequence
            WHERE p.Owner = @owner AND p.Account = @account AND p.Delta > 0
              AND e.Kind = 'capture' AND e.Token = @token AND e.AtUnixMs >= @from AND e.AtUnixMs < @to
            """, ("@owner", treasury), ("@account", LedgerAccounts.Wallet(treasury)), ("@token", (long)token),
            ("@from", from.ToUnixTimeMilliseconds()), ("@to", to.ToUnixTimeMilliseconds()));
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The owner of a hold, or null when no hold has that id.</summary>
    public async Task<string?> ReadHoldOwnerAsync(string holdId)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, null, "SELECT Owner FROM FabricLedgerHold WHERE HoldId = @id", ("@id", holdId));
        return await command.ExecuteScalarAsync() as string;
    }

    /// <summary>Ids of the active holds whose id starts with <paramref name="prefix"/> (stakes: "stake/").</summary>
    public async Task<IReadOnlyList<string>> ReadActiveHoldIdsAsync(string prefix)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, null,
            "SELECT HoldId FROM FabricLedgerHold WHERE Status = 'Active' AND HoldId >= @from AND HoldId < @to",
            ("@from", prefix), ("@to", prefix + char.MaxValue));
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>The newest <paramref name="take"/> events, newest first.</summary>
    public async Task<IReadOnlyList<LedgerEvent>> ReadTailAsync(int take)
    {
        await using var connection = await OpenAsync();
        return await ReadEventsAsync(connection, "ORDER BY Sequence DESC LIMIT @take", ("@take", take));
    }

    /// <summary>Sequence and memo of every "parameter" event, oldest first (few; a partial index finds them).</summary>
    public async Task<IReadOnlyList<(long Sequence, string Memo)>> ReadParameterEventsAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, null,
            "SELECT Sequence, Memo FROM FabricLedgerEvent WHERE Kind = 'parameter' ORDER BY Sequence");
        var events = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return events;
    }

    /// <summary>
    /// What <paramref name="owner"/> held of <paramref name="token"/> just after event <paramref name="sequence"/>:
    /// Σ of the postings to its accounts (available and holds) with sequence ≤ S.
    /// </summary>
    public async Task<long> ReadHoldingAsOfAsync(string owner, Token token, long sequence)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, null, """
            SELECT COALESCE(SUM(p.Delta), 0) FROM FabricLedgerPosting p JOIN FabricLedgerEvent e ON e.Sequence = p.Sequence
            WHERE p.Owner = @owner AND p.Sequence <= @sequence AND e.Token = @token
            """, ("@owner", owner), ("@sequence", sequence), ("@token", (long)token));
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Minted and burned of <paramref name="token"/> just after event <paramref name="sequence"/>.</summary>
    public async Task<(long Minted, long Burned)> ReadSupplyAsOfAsync(Token token, long sequence)
    {
        await using var connection = await OpenAsync();
        await using var command = Command(connection, null, """
            SELECT COALESCE(SUM(CASE WHEN p.Account = @minted THEN -p.Delta ELSE 0 END), 0),
                   COALESCE(SUM(CASE WHEN p.Account = @burned THEN p.Delta ELSE 0 END), 0)
            FROM FabricLedgerPosting p JOIN FabricLedgerEvent e ON e.Sequence = p.Sequence
            WHERE p.Owner = '' AND p.Sequence <= @sequence AND e.Token = @token
            """, ("@minted", LedgerAccounts.Minted), ("@burned", LedgerAccounts.Burned), ("@sequence", sequence), ("@token", (long)token));
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Supply figures per token from the stored balances, with the holds whose ids start with each of
    /// <paramref name="holdPrefixes"/> summed apart (stakes: "stake/"), and the treasury's inflow from captures (fees).
    /// </summary>
    public async Task<IReadOnlyList<SupplyFigures>> ReadSupplyFiguresAsync(IReadOnlyList<string> holdPrefixes, string? treasury)
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(
            storage.Kind == StorageKind.Sqlite ? IsolationLevel.Serializable : IsolationLevel.RepeatableRead);
        var accounts = new List<(string Account, Token Token, long Balance)>();
        await using (var command = Command(connection, transaction,
            "SELECT Account, Token, Balance FROM FabricLedgerAccount WHERE Account NOT LIKE 'wallet:%'"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                accounts.Add((reader.GetString(0), (Token)reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        var fees = new Dictionary<Token, long>();
        if (!string.IsNullOrEmpty(treasury))
        {
            await using var command = Command(connection, transaction, """
                SELECT e.Token, COALESCE(SUM(p.Delta), 0) FROM FabricLedgerPosting p JOIN FabricLedgerEvent e ON e.Sequence = p.Sequence
                WHERE p.Owner = @treasury AND p.Account = @account AND e.Kind = 'capture' GROUP BY e.Token
                """, ("@treasury", treasury), ("@account", LedgerAccounts.Wallet(treasury)));
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                fees[(Token)reader.GetInt64(0)] = reader.GetInt64(1);
            }
        }

        return [.. Enum.GetValues<Token>().Select(token =>
        {
            var mine = accounts.Where(a => a.Token == token).ToList();
            var minted = -mine.Where(a => a.Account == LedgerAccounts.Minted).Sum(a => a.Balance);
            var burned = mine.Where(a => a.Account == LedgerAccounts.Burned).Sum(a => a.Balance);
            var holds = mine.Where(a => a.Account.StartsWith("hold:", StringComparison.Ordinal)).ToList();
            return new SupplyFigures(token, minted, burned, holds.Sum(a => a.Balance),
                holdPrefixes.ToDictionary(prefix => prefix,
                    prefix => holds.Where(a => a.Account.StartsWith(LedgerAccounts.Hold(prefix), StringComparison.Ordinal)).Sum(a => a.Balance),
                    StringComparer.Ordinal),
                fees.GetValueOrDefault(token));
        })];
    }

    /// <summary>Capture events after <paramref name="afterSequence"/>, oldest first, at most <paramref name="take"/>.</summary>
    public async Task<IReadOnlyList<LedgerEvent>> ReadCapturesAfterAsync(long afterSequence, int take)
    {
        await using var connection = await OpenAsync();
        return await ReadEventsAsync(connection, "WHERE Sequence > @after AND Kind = 'capture' ORDER BY Sequence LIMIT @take",
            ("@after", afterSequence), ("@take", take));
    }

    /// <summary>Every event in order, then every account and hold, read in one snapshot for verification.</summary>
    public async Task<LedgerSnapshot> ReadSnapshotAsync()
    {
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(
            storage.Kind == StorageKind.Sqlite ? IsolationLevel.Serializable : IsolationLevel.RepeatableRead);
        var events = new List<StoredEvent>();
        await using (var command = Command(connection, transaction,
            "SELECT Sequence, OperationId, Kind, Token, Memo, RequestedBy, Digest, AtUnixMs, PreviousHash, Hash FROM FabricLedgerEvent ORDER BY Sequence"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                events.Add(new StoredEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (Token)reader.GetInt64(3),
                    reader.GetString(4), reader.GetString(5), (byte[])reader[6], reader.GetInt64(7), (byte[])reader[8], (byte[])reader[9], []));
            }
        }

        var postings = new Dictionary<long, List<Posting>>();
        await using (var command = Command(connection, transaction,
            "SELECT Sequence, Account, Owner, Delta FROM FabricLedgerPosting ORDER BY Sequence, Ordinal"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var sequence = reader.GetInt64(0);
                if (!postings.TryGetValue(sequence, out var list))
                {
                    postings[sequence] = list = [];
                }

                list.Add(new Posting { Account = reader.GetString(1), Owner = reader.GetString(2), Delta = reader.GetInt64(3) });
            }
        }

        var accounts = new Dictionary<(string Account, Token Token), long>();
        await using (var command = Command(connection, transaction, "SELECT Account, Token, Balance FROM FabricLedgerAccount"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                accounts[(reader.GetString(0), (Token)reader.GetInt64(1))] = reader.GetInt64(2);
            }
        }

        return new LedgerSnapshot(
            [.. events.Select(e => e with { Postings = postings.GetValueOrDefault(e.Sequence) ?? [] })],
            accounts);
    }

    internal Task<DbConnection> OpenAsync() => _db.OpenAsync();

    internal static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters) =>
        FabricDb.Command(connection, transaction, sql, parameters);

    private static async Task<IReadOnlyList<LedgerEvent>> ReadEventsAsync(DbConnection connection, string where, params (string, object)[] parameters)
    {
        var events = new List<LedgerEvent>();
        await using (var command = Command(connection, null,
            $"SELECT Sequence, OperationId, Kind, Token, Memo, RequestedBy, AtUnixMs, PreviousHash, Hash FROM FabricLedgerEvent {where}", parameters))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                events.Add(new LedgerEvent
                {
                    Sequence = reader.GetInt64(0),
                    OperationId = reader.GetString(1),
                    Kind = reader.GetString(2),
                    Token = (Token)reader.GetInt64(3),
                    Memo = reader.GetString(4),
                    RequestedBy = reader.GetString(5),
                    At = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                    PreviousHash = Convert.ToHexStringLower((byte[])reader[7]),
                    Hash = Convert.ToHexStringLower((byte[])reader[8]),
                    Postings = [],
                });
            }
        }

        if (events.Count == 0)
        {
            return events;
        }

        var postings = events.ToDictionary(e => e.Sequence, _ => new List<Posting>());
        var names = events.Select((_, i) => $"@s{i}").ToList();
        await using (var command = Command(connection, null,
            $"SELECT Sequence, Account, Owner, Delta FROM FabricLedgerPosting WHERE Sequence IN ({string.Join(", ", names)}) ORDER BY Sequence, Ordinal",
            [.. events.Select((e, i) => (names[i], (object)e.Sequence))]))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                postings[reader.GetInt64(0)].Add(new Posting { Account = reader.GetString(1), Owner = reader.GetString(2), Delta = reader.GetInt64(3) });
            }
        }

        return [.. events.Select(e => e with { Postings = postings[e.Sequence] })];
    }
}

/// <summary>An event row as stored, with the digest and raw hashes verification needs.</summary>
public sealed record StoredEvent(
    long Sequence, string OperationId, string Kind, Token Token, string Memo, string RequestedBy, byte[] Digest,
    long AtUnixMs, byte[] PreviousHash, byte[] Hash, IReadOnlyList<Posting> Postings);

/// <summary>
/// One token's supply as the stored balances say: minted, burned, Σ holds, Σ holds under each asked id prefix, and the
/// treasury's inflow from captures (fee revenue). Circulating = minted − burned = Σ balances + Σ holds.
/// </summary>
public sealed record SupplyFigures(Token Token, long Minted, long Burned, long Held, IReadOnlyDictionary<string, long> HeldByPrefix, long FeeRevenue)
{
    public long Circulating => Minted - Burned;
}

/// <summary>The whole ledger at one instant.</summary>
public sealed record LedgerSnapshot(IReadOnlyList<StoredEvent> Events, IReadOnlyDictionary<(string Account, Token Token), long> Accounts);
