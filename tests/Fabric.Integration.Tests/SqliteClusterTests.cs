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
            var job = await Cli("job", "submit", "--id", "job-restart", "--renter", "bob", "--json", "--", "echo", "hi");
            Assert.Equal(0, device.ExitCode);
            Assert.Equal(0, job.ExitCode);
            before = new JsonElementPair(device.Stdout, job.Stdout, device.Json().GetProperty("device").GetProperty("id").GetString()!);
            await silo.StopAsync();
        }

        await using var restarted = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(DataDir));

        var shown = await Cli("device", "show", before.DeviceId, "--json");
        var status = await Cli("job", "status", "job-restart", "--json");
        Assert.Equal(before.Device, shown.Stdout);
        Assert.Equal(before.Job, status.Stdout);
        var counts = (await Cli("status", "--json")).Json();
        Assert.Equal(1, counts.GetProperty("devices").GetInt32());
        Assert.Equal(1, counts.GetProperty("jobs").GetInt32());
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
