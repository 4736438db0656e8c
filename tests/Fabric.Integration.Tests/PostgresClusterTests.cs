using Fabric.Client;
using Fabric.Integration.Infrastructure;
using Fabric.Storage;
using Fabric.Money;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Npgsql;

namespace Fabric.Integration;

[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterTests(PostgresServer postgres) : IDisposable
{
    private readonly string _workDir = Paths.NewTempFolder("pgcluster");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    private static readonly Keypair Authority = Keypair.Generate();

    /// <summary>PostgreSQL silos must be told the network's authority and treasury (they cannot share local key files).</summary>
    private static readonly Dictionary<string, string> NetworkKeys = new()
    {
        ["FABRIC__NETWORK__AUTHORITY"] = Authority.Address.ToString(),
        ["FABRIC__NETWORK__TREASURY"] = Keypair.Generate().Address.ToString(),
    };

    [Fact]
    public async Task The_ledger_runs_on_postgres_with_the_same_guarantees()
    {
        var connection = await postgres.CreateDatabaseAsync("ledger");
        await using var silo = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(Path.Combine(_workDir, ".fabric")) with
        {
            Storage = "postgres",
            Connection = connection,
            Environment = NetworkKeys,
        });
        await using var client = new FabricClient(new FabricClientOptions { Gateways = [silo.Settings.Gateway] });
        var alice = Keypair.Generate();
        var bob = Keypair.Generate();

        await client.MintAsync(Authority, alice.Address, Token.IO, 1_000, "test");
        var transfer = await client.SignAsync(alice, Operations.Transfer, new TransferPayload(bob.Address, "IO", 400).Encode());
        var first = await client.SubmitAsync(transfer);
        var replay = await client.SubmitAsync(transfer);
        var overdraft = await Assert.ThrowsAsync<FabricRejectedException>(() => client.TransferAsync(alice, bob.Address, Token.IO, 601));

        Assert.False(first.Duplicate);
        Assert.True(replay.Duplicate);
        Assert.Contains("Insufficient funds", overdraft.Message, StringComparison.Ordinal);
        Assert.Equal(600, (await client.GetBalancesAsync(alice.Address)).Single(b => b.Token == Token.IO).Available);
        Assert.Equal(400, (await client.GetBalancesAsync(bob.Address)).Single(b => b.Token == Token.IO).Available);
        Assert.Single((await client.GetHistoryAsync(bob.Address, new PageRequest())).Items);
        var verification = await client.VerifyLedgerAsync();
        Assert.True(verification.Ok, string.Join("; ", verification.Problems));
        Assert.Equal(2, verification.Events);
    }

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
