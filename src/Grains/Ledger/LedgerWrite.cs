using System.Data.Common;
using Fabric.Money;

namespace Fabric.Ledger;

/// <summary>A hold as stored.</summary>
public sealed record HoldRow(string HoldId, string Owner, Token Token, long Amount, string Status);

/// <summary>
/// One ledger transaction: reads made here see the locked, current state, and nothing written here is visible to
/// anyone until <see cref="CommitAsync"/>. Disposing without committing rolls everything back.
/// </summary>
public sealed class LedgerWrite(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
{
    public async Task<(long Sequence, byte[] Digest, byte[] Hash)?> FindOperationAsync(string operationId)
    {
        await using var command = LedgerStore.Command(connection, transaction,
            "SELECT Sequence, Digest, Hash FROM FabricLedgerEvent WHERE OperationId = @id", ("@id", operationId));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), (byte[])reader[1], (byte[])reader[2]) : null;
    }

    public async Task<long> BalanceAsync(string account, Token token)
    {
        await using var command = LedgerStore.Command(connection, transaction,
            "SELECT Balance FROM FabricLedgerAccount WHERE Account = @account AND Token = @token",
            ("@account", account), ("@token", (long)token));
        return await command.ExecuteScalarAsync() is { } value and not DBNull
            ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
    }

    public async Task<HoldRow?> HoldAsync(string holdId)
    {
        await using var command = LedgerStore.Command(connection, transaction,
            "SELECT HoldId, Owner, Token, Amount, Status FROM FabricLedgerHold WHERE HoldId = @id", ("@id", holdId));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new HoldRow(reader.GetString(0), reader.GetString(1), (Token)reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4))
            : null;
    }

    /// <summary>Writes the event, its postings, and the balances they change.</summary>
    public async Task AppendAsync(StoredEvent stored)
    {
        await using (var insert = LedgerStore.Command(connection, transaction, """
            INSERT INTO FabricLedgerEvent (Sequence, OperationId, Kind, Token, Memo, RequestedBy, Digest, AtUnixMs, PreviousHash, Hash)
            VALUES (@sequence, @operation, @kind, @token, @memo, @requestedBy, @digest, @at, @previous, @hash)
            """,
            ("@sequence", stored.Sequence), ("@operation", stored.OperationId), ("@kind", stored.Kind), ("@token", (long)stored.Token),
            ("@memo", stored.Memo), ("@requestedBy", stored.RequestedBy), ("@digest", stored.Digest), ("@at", stored.AtUnixMs),
            ("@previous", stored.PreviousHash), ("@hash", stored.Hash)))
        {
            await insert.ExecuteNonQueryAsync();
        }

        for (var ordinal = 0; ordinal < stored.Postings.Count; ordinal++)
        {
            var posting = stored.Postings[ordinal];
            await using (var line = LedgerStore.Command(connection, transaction,
                "INSERT INTO FabricLedgerPosting (Sequence, Ordinal, Account, Owner, Delta) VALUES (@sequence, @ordinal, @account, @owner, @delta)",
                ("@sequence", stored.Sequence), ("@ordinal", ordinal), ("@account", posting.Account), ("@owner", posting.Owner), ("@delta", posting.Delta)))
            {
                await line.ExecuteNonQueryAsync();
            }

            await AddToBalanceAsync(posting, stored.Token);
        }
    }

    private async Task AddToBalanceAsync(Posting posting, Token token)
    {
        // UPDATE first, INSERT only for a new account: an upsert would check the CHECK constraint against the
        // would-be new row (a negative delta) before noticing the account exists.
        await using (var update = LedgerStore.Command(connection, transaction,
            "UPDATE FabricLedgerAccount SET Balance = Balance + @delta WHERE Account = @account AND Token = @token",
            ("@account", posting.Account), ("@token", (long)token), ("@delta", posting.Delta)))
        {
            if (await update.ExecuteNonQueryAsync() == 1)
            {
                return;
            }
        }

        await using var insert = LedgerStore.Command(connection, transaction,
            "INSERT INTO FabricLedgerAccount (Account, Token, Owner, Balance) VALUES (@account, @token, @owner, @delta)",
            ("@account", posting.Account), ("@token", (long)token), ("@owner", posting.Owner), ("@delta", posting.Delta));
        await insert.ExecuteNonQueryAsync();
    }

    public async Task OpenHoldAsync(string holdId, string owner, Token token, long amount, long sequence)
    {
        await using var command = LedgerStore.Command(connection, transaction, """
            INSERT INTO FabricLedgerHold (HoldId, Owner, Token, Amount, Status, OpenedSequence) VALUES (@id, @owner, @token, @amount, 'Active', @sequence)
            """, ("@id", holdId), ("@owner", owner), ("@token", (long)token), ("@amount", amount), ("@sequence", sequence));
        await command.ExecuteNonQueryAsync();
    }

    public async Task CloseHoldAsync(string holdId, string status, long sequence)
    {
        await using var command = LedgerStore.Command(connection, transaction,
            "UPDATE FabricLedgerHold SET Status = @status, ClosedSequence = @sequence WHERE HoldId = @id AND Status = 'Active'",
            ("@id", holdId), ("@status", status), ("@sequence", sequence));
        if (await command.ExecuteNonQueryAsync() != 1)
        {
            throw new InvalidOperationException($"Hold {holdId} was not active when closing it.");
        }
    }

    public Task CommitAsync() => transaction.CommitAsync();

    /// <summary>Marks a point this transaction can roll back to, undoing one command of a batch but not the others.</summary>
    public Task SaveAsync(string savepoint) => transaction.SaveAsync(savepoint);

    public Task RollbackToAsync(string savepoint) => transaction.RollbackAsync(savepoint);

    public Task ReleaseAsync(string savepoint) => transaction.ReleaseAsync(savepoint);

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
