using Fabric.Storage;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests;

public sealed class SchemaMigratorSqliteTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"fabric-schema-{Guid.NewGuid():N}");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_new_database_gets_every_migration_once_and_in_wal_mode()
    {
        var storage = FabricStorage.Sqlite(_dataDir);

        var first = await SchemaMigrator.ApplyAsync(storage);
        var second = await SchemaMigrator.ApplyAsync(storage);

        Assert.Equal(Migration.For(StorageKind.Sqlite).Select(m => m.Version), first.Select(m => m.Version));
        Assert.Empty(second);
        Assert.Equal("wal", await ScalarAsync(storage, "PRAGMA journal_mode;"));
        Assert.Equal(SchemaMigrator.LatestVersion(StorageKind.Sqlite), Convert.ToInt32(await ScalarAsync(storage, "SELECT MAX(Version) FROM FabricSchemaVersion;"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task The_schema_holds_every_query_the_orleans_providers_require()
    {
        var storage = FabricStorage.Sqlite(_dataDir);
        await SchemaMigrator.ApplyAsync(storage);

        string[] required =
        [
            "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey",
            "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey",
            "CleanupDefunctSiloEntriesKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key",
            "ReadRangeRows2Key", "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
            "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey",
        ];
        foreach (var key in required)
        {
            Assert.Equal(1L, await ScalarAsync(storage, $"SELECT COUNT(*) FROM OrleansQuery WHERE QueryKey = '{key}';"));
        }
    }

    [Fact]
    public async Task Silos_starting_together_apply_the_schema_exactly_once()
    {
        var storage = FabricStorage.Sqlite(_dataDir);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => SchemaMigrator.ApplyAsync(storage))));

        Assert.Equal(Migration.For(StorageKind.Sqlite).Count, results.Sum(r => r.Count));
        Assert.Equal((long)Migration.For(StorageKind.Sqlite).Count, await ScalarAsync(storage, "SELECT COUNT(*) FROM FabricSchemaVersion;"));
    }

    [Fact]
    public async Task A_database_from_a_newer_fabric_is_refused()
    {
        var storage = FabricStorage.Sqlite(_dataDir);
        await SchemaMigrator.ApplyAsync(storage);
        await ScalarAsync(storage, "INSERT INTO FabricSchemaVersion VALUES (9999, 'future', '2030-01-01');");

        var error = await Assert.ThrowsAsync<FabricStorageException>(() => SchemaMigrator.ApplyAsync(storage));

        Assert.Contains("schema version 9999, newer than this Fabric knows", error.Message, StringComparison.Ordinal);
    }

    private static async Task<object?> ScalarAsync(FabricStorage storage, string sql)
    {
        await using var connection = new SqliteConnection(storage.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
