using System.Data.Common;
using Fabric.Money;

namespace Fabric.Ledger;

/// <summary>A hold as stored.</summary>
public sealed record HoldRow(string HoldId, string Owner, Token Token, long Amount, string Status);

/// <summary>
/// One ledger transaction: reads made here see the locked, current state, and nothing written here is visible to
/// anyone until <see cref="CommitAsync"/>. Disposing without committing rolls everything back.
/// </summary>
/// <remarks>
/// A transaction writes a batch of commands, each running the same dozen statements: each statement is prepared once
/// per transaction and run again with new values, where preparing it afresh every time was most of a command's cost.
/// </remarks>
public sealed class LedgerWrite(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
{
    private readonly Dictionary<string, DbCommand> _statements = new(StringComparer.Ordinal);

    public async Task<(long Sequence, byte[] Digest, byte[] Hash)?> FindOperationAsync(string operationId)
    {
        await using var reader = await Statement("SELECT Sequence, Digest, Hash FROM FabricLedgerEvent WHERE OperationId = @id",
            ("@id", operationId)).ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), (byte[])reader[1], (byte[])reader[2]) : null;
    }

    public async Task<long> BalanceAsync(string account, Token token) =>
        await Statement("SELECT Balance FROM FabricLedgerAccount WHERE Account = @account AND Token = @token",
                ("@account", account), ("@token", (long)token)).ExecuteScalarAsync() is { } value and not DBNull
            ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;

    public async Task<HoldRow?> HoldAsync(string holdId)
    {
        await using var reader = await Statement("SELECT HoldId, Owner, Token, Amount, Status FROM FabricLedgerHold WHERE HoldId = @id",
            ("@id", holdId)).ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new HoldRow(reader.GetString(0), reader.GetString(1), (Token)reader.GetInt64(2), reader.GetInt64(3), reader.GetString(4))
            : null;
    }

    /// <summary>Writes the event, its postings, and the balances they change.</summary>
    public async Task AppendAsync(StoredEvent stored)
    {
        await Statement("""
            INSERT INTO FabricLedgerEvent (Sequence, OperationId, Kind, Token, Memo, RequestedBy, Digest, AtUnixMs, PreviousHash, Hash)
            VALUES (@sequence, @operation, @kind, @token, @memo, @requestedBy, @digest, @at, @previous, @hash)
            """,
            ("@sequence", stored.Sequence), ("@operation", stored.OperationId), ("@kind", stored.Kind), ("@token", (long)stored.Token),
            ("@memo", stored.Memo), ("@requestedBy", stored.RequestedBy), ("@digest", stored.Digest), ("@at", stored.AtUnixMs),
            ("@previous", stored.PreviousHash), ("@hash", stored.Hash)).ExecuteNonQueryAsync();

        for (var ordinal = 0; ordinal < stored.Postings.Count; ordinal++)
        {
            var posting = stored.Postings[ordinal];
            await Statement("INSERT INTO FabricLedgerPosting (Sequence, Ordinal, Account, Owner, Delta) VALUES (@sequence, @ordinal, @account, @owner, @delta)",
                ("@sequence", stored.Sequence), ("@ordinal", ordinal), ("@account", posting.Account), ("@owner", posting.Owner),
                ("@delta", posting.Delta)).ExecuteNonQueryAsync();
            await AddToBalanceAsync(posting, stored.Token);
        }
    }

    private async Task AddToBalanceAsync(Posting posting, Token token)
    {
        // UPDATE first, INSERT only for a new account: an upsert would check the CHECK constraint against the
        // would-be new row (a negative delta) before noticing the account exists.
        var updated = await Statement("UPDATE FabricLedgerAccount SET Balance = Balance + @delta WHERE Account = @account AND Token = @token",
            ("@account", posting.Account), ("@token", (long)token), ("@delta", posting.Delta)).ExecuteNonQueryAsync();
        if (updated == 1)
        {
            return;
        }

        await Statement("INSERT INTO FabricLedgerAccount (Account, Token, Owner, Balance) VALUES (@account, @token, @owner, @delta)",
            ("@account", posting.Account), ("@token", (long)token), ("@owner", posting.Owner), ("@delta", posting.Delta)).ExecuteNonQueryAsync();
    }

    public async Task OpenHoldAsync(string holdId, string owner, Token token, long amount, long sequence) =>
        await Statement("""
            INSERT INTO FabricLedgerHold (HoldId, Owner, Token, Amount, Status, OpenedSequence) VALUES (@id, @owner, @token, @amount, 'Active', @sequence)
            """, ("@id", holdId), ("@owner", owner), ("@token", (long)token), ("@amount", amount), ("@sequence", sequence)).ExecuteNonQueryAsync();

    public async Task CloseHoldAsync(string holdId, string status, long sequence)
    {
        var closed = await Statement("UPDATE FabricLedgerHold SET Status = @status, ClosedSequence = @sequence WHERE HoldId = @id AND Status = 'Active'",
            ("@id", holdId), ("@status", status), ("@sequence", sequence)).ExecuteNonQueryAsync();
        if (closed != 1)
        {
            throw new InvalidOperationException($"Hold {holdId} was not active when closing it.");
        }
    }

    public Task CommitAsync() => transaction.CommitAsync();

    // Savepoints through prepared statements as well (SQLite and PostgreSQL share the syntax): the providers' own
    // savepoint calls prepare a new statement each time, three times per command of a batch.

    /// <summary>Marks the point the current command can roll back to, undoing it but not the batch's other commands.</summary>
    public Task SaveAsync() => Statement("SAVEPOINT command").ExecuteNonQueryAsync();

    /// <summary>Undoes everything since <see cref="SaveAsync"/>; the savepoint stays until <see cref="ReleaseAsync"/>.</summary>
    public Task RollbackToAsync() => Statement("ROLLBACK TO SAVEPOINT command").ExecuteNonQueryAsync();

    /// <summary>Forgets the savepoint, keeping what was written since it.</summary>
    public Task ReleaseAsync() => Statement("RELEASE SAVEPOINT command").ExecuteNonQueryAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var statement in _statements.Values)
        {
            await statement.DisposeAsync();
        }

        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }

    /// <summary>
    /// The statement for <paramref name="sql"/> in this transaction, prepared on first use, with
    /// <paramref name="values"/> bound in the order first given.
    /// </summary>
    private DbCommand Statement(string sql, params ReadOnlySpan<(string Name, object Value)> values)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = LedgerStore.Command(connection, transaction, sql, values.ToArray());
            _statements.Add(sql, statement);
            return statement;
        }

        for (var i = 0; i < values.Length; i++)
        {
            statement.Parameters[i].Value = values[i].Value;
        }

        return statement;
    }
}
