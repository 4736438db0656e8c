using Fabric.Client;
using Fabric.Integration.Infrastructure;
using Fabric.Wallet;

namespace Fabric.Integration;

public sealed class SqliteClusterTests : IDisposable
{
    private readonly string _workDir = Paths.NewTempFolder("sqlite");

    private string DataDir => Path.Combine(_workDir, ".fabric");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task Stored_devices_and_jobs_survive_a_silo_restart()
    {
        JsonElementPair before;
        await using (var silo = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(DataDir)))
        {
            KeypairFile.Write(Path.Combine(_workDir, "owner.json"), Keypair.Generate());
            var device = await Cli("device", "register", "--gpu-uuid", "GPU-restart", "--model", "RTX 4090",
                "--vram-gib", "24", "--region", "eu", "--price", "0.45", "--keypair", "owner.json", "--json");
            // A funded renter's cluster (waiting: no worker runs the GPU) and a job on it.
            var renter = Keypair.Generate();
            KeypairFile.Write(Path.Combine(_workDir, "renter.json"), renter);
            var mint = await Cli("ledger", "mint", "--to", renter.Address.ToString(), "--amount", "10", "--token", "IOSD",
                "--keypair", Path.Combine(DataDir, "keys", "authority.json"));
            var cluster = await Cli("cluster", "deploy", "--id", "cluster-restart", "--model", "RTX 4090", "--max-price", "0.5",
                "--hours", "1", "--keypair", "renter.json", "--json");
            var job = await Cli("job", "submit", "--cluster", "cluster-restart", "--id", "job-restart", "--keypair", "renter.json",
                "--json", "--", "echo", "hi");
            Assert.Equal(0, device.ExitCode);
            Assert.True(mint.ExitCode == 0, mint.ToString());
            Assert.True(cluster.ExitCode == 0, cluster.ToString());
            Assert.True(job.ExitCode == 0, job.ToString());
            before = new JsonElementPair(device.Stdout, job.Stdout, device.Json().GetProperty("device").GetProperty("id").GetString()!);
            await silo.StopAsync();
        }

        await using var restarted = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(DataDir));

        var shown = await Cli("device", "show", before.DeviceId, "--json");
        var status = await Cli("job", "status", "job-restart", "--json");
        Assert.Equal(before.Device, shown.Stdout);
        Assert.Equal(before.Job, status.Stdout);
        var kept = (await Cli("cluster", "status", "cluster-restart", "--json")).Json().GetProperty("cluster");
        Assert.Equal(["job-restart"], kept.GetProperty("jobs").EnumerateArray().Select(j => j.GetString()));
        var counts = (await Cli("status", "--json")).Json();
        Assert.Equal(1, counts.GetProperty("devices").GetInt32());
    }

    [Fact]
    public async Task Two_silo_processes_on_one_sqlite_file_form_a_cluster_that_survives_a_kill()
    {
        await ClusterScenarios.TwoSilosFormOneClusterAndSurviveAKillAsync(
            () => SiloSettings.OnFreePorts(DataDir),
            new FabricClientOptions { DataDir = DataDir },
            async survivor =>
            {
                // The CLI, finding the cluster through the same file, lists the survivor only (the dead with --all).
                var active = (await Cli("status", "--json")).Json().GetProperty("silos").EnumerateArray().ToList();
                var all = (await Cli("status", "--all", "--json")).Json().GetProperty("silos").EnumerateArray().ToList();
                Assert.Equal(survivor.GatewayPort, Assert.Single(active).GetProperty("gatewayPort").GetInt32());
                Assert.Equal(["Active", "Dead"], all.Select(s => s.GetProperty("status").GetString()));
            });
    }

    private Task<CliResult> Cli(params string[] arguments) => CliRunner.RunAsync(_workDir, arguments);

    private sealed record JsonElementPair(string Device, string Job, string DeviceId);
}
