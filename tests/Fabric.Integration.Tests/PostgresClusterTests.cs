using Fabric.Client;
using Fabric.Integration.Infrastructure;
using Fabric.Storage;
using Fabric.Wallet;
using Npgsql;

namespace Fabric.Integration;

[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterTests(PostgresServer postgres) : IDisposable
{
    private readonly string _workDir = Paths.NewTempFolder("pgcluster");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    /// <summary>PostgreSQL silos must be told the network's authority and treasury (they cannot share local key files).</summary>
    private static readonly Dictionary<string, string> NetworkKeys = new()
    {
        ["FABRIC__NETWORK__AUTHORITY"] = Keypair.Generate().Address.ToString(),
        ["FABRIC__NETWORK__TREASURY"] = Keypair.Generate().Address.ToString(),
    };

    [Fact]
    public async Task Two_silo_processes_over_postgres_form_a_cluster_that_survives_a_kill()
    {
        var connection = await postgres.CreateDatabaseAsync("cluster");

        await ClusterScenarios.TwoSilosFormOneClusterAndSurviveAKillAsync(
            () => SiloSettings.OnFreePorts(Path.Combine(_workDir, ".fabric")) with
            {
                Storage = "postgres",
                Connection = connection,
                Environment = NetworkKeys,
            },
            new FabricClientOptions { StorageKind = "postgres", ConnectionString = connection },
            async survivor =>
            {
                var status = await CliRunner.RunAsync(_workDir, "status", "--storage", "postgres", "--connection", connection, "--json");
                var silo = Assert.Single(status.Json().GetProperty("silos").EnumerateArray());
                Assert.Equal(survivor.GatewayPort, silo.GetProperty("gatewayPort").GetInt32());
            });

        // PostgreSQL storage needs no data folder: nothing was written there.
        Assert.False(File.Exists(Path.Combine(_workDir, ".fabric", FabricStorage.SqliteFileName)));
    }

    [Fact]
    public async Task Silos_starting_together_apply_the_postgres_schema_exactly_once()
    {
        var storage = FabricStorage.Postgres(await postgres.CreateDatabaseAsync("schema"));

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => SchemaMigrator.ApplyAsync(storage))));
        var again = await SchemaMigrator.ApplyAsync(storage);

        Assert.Equal(Migration.For(StorageKind.Postgres).Count, results.Sum(r => r.Count));
        Assert.Empty(again);
        await using var connection = new NpgsqlConnection(storage.ConnectionString);
        await connection.OpenAsync();
        await using var queries = new NpgsqlCommand("SELECT count(*) FROM orleansquery", connection);
        Assert.True((long)(await queries.ExecuteScalarAsync())! >= 19);
    }
}
