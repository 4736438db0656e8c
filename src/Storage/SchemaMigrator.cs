using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fabric.Storage;

/// <summary>
/// Brings a database to the schema this build of Fabric needs. Safe to run from every silo at every start: the work
/// happens under a database-wide lock (SQLite BEGIN IMMEDIATE, a PostgreSQL advisory lock), each script runs once in
/// its own transaction with the row that records it, and a database migrated by a newer Fabric is refused.
/// </summary>
public static class SchemaMigrator
{
    // Any constant works; it only has to be the same in every Fabric process that migrates this database.
    private const long PostgresLockKey = 0x0FAB_41C0_0001;

    /// <summary>Applies the scripts the database lacks and returns the ones it applied.</summary>
    public static async Task<IReadOnlyList<Migration>> ApplyAsync(FabricStorage storage, CancellationToken cancellationToken = default)
    {
        var migrations = Migration.For(storage.Kind);
        try
        {
            return storage.Kind == StorageKind.Sqlite
                ? await ApplySqliteAsync(storage, migrations, cancellationToken)
                : await ApplyPostgresAsync(storage, migrations, cancellationToken);
        }
        catch (Exception e) when (e is DbException or IOException or UnauthorizedAccessException)
        {
            throw new FabricStorageException($"Cannot open the {storage.Description}: {e.Message}", e);
        }
    }

    /// <summary>The newest schema version this build knows.</summary>
    public static int LatestVersion(StorageKind kind) => Migration.For(kind).Select(m => m.Version).DefaultIfEmpty(0).Max();

    private static async Task<IReadOnlyList<Migration>> ApplySqliteAsync(
        FabricStorage storage, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(storage.DatabaseFile)!);
        await using var connection = new SqliteConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        // WAL lets readers and one writer from several silo processes work at once; the mode is stored in the file,
        // so every later connection (Orleans' included) gets it.
        await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
        await ExecuteAsync(connection, null,
            "CREATE TABLE IF NOT EXISTS FabricSchemaVersion (Version INTEGER NOT NULL PRIMARY KEY, Name TEXT NOT NULL, AppliedAt TEXT NOT NULL);",
            cancellationToken);

        // BEGIN IMMEDIATE: a second silo starting at the same moment waits here rather than applying the same script.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var applied = await ApplyPendingAsync(connection, transaction, migrations,
            "SELECT COALESCE(MAX(Version), 0) FROM FabricSchemaVersion;",
            "INSERT INTO FabricSchemaVersion (Version, Name, AppliedAt) VALUES (@version, @name, @at);",
            storage, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    private static async Task<IReadOnlyList<Migration>> ApplyPostgresAsync(
        FabricStorage storage, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction,
            $"SELECT pg_advisory_xact_lock({PostgresLockKey.ToString(CultureInfo.InvariantCulture)});", cancellationToken);
        await ExecuteAsync(connection, transaction,
            "CREATE TABLE IF NOT EXISTS fabric_schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL);",
            cancellationToken);
        var applied = await ApplyPendingAsync(connection, transaction, migrations,
            "SELECT COALESCE(MAX(version), 0) FROM fabric_schema_version;",
            "INSERT INTO fabric_schema_version (version, name, applied_at) VALUES (@version, @name, @at);",
            storage, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    private static async Task<IReadOnlyList<Migration>> ApplyPendingAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<Migration> migrations,
        string currentVersionSql,
        string recordSql,
        FabricStorage storage,
        CancellationToken cancellationToken)
    {
        int current;
        await using (var query = connection.CreateCommand())
        {
            query.Transaction = transaction;
            query.CommandText = currentVersionSql;
            current = Convert.ToInt32(await query.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        var latest = migrations.Select(m => m.Version).DefaultIfEmpty(0).Max();
        if (current > latest)
        {
            throw new FabricStorageException(
                $"The {storage.Description} has schema version {current}, newer than this Fabric knows ({latest}); " +
                "run a newer Fabric.");
        }

        var pending = migrations.Where(m => m.Version > current).ToList();
        foreach (var migration in pending)
        {
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            await using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = recordSql;
            AddParameter(record, "@version", migration.Version);
            AddParameter(record, "@name", migration.Name);
            AddParameter(record, "@at", storage.Kind == StorageKind.Sqlite
                ? DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)
                : DateTimeOffset.UtcNow);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        return pending;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
