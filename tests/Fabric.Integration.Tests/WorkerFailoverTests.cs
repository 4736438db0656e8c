using Fabric.Client;
using Fabric.Devices;
using Fabric.Integration.Infrastructure;
using Fabric.Wallet;

namespace Fabric.Integration;

/// <summary>
/// A real worker with simulated GPUs against two real silos: kill -9 the silo hosting a device's grain; the grain
/// comes back on the other silo from storage, and the worker reconnects by itself without a new verification.
/// </summary>
public sealed class WorkerFailoverTests : IDisposable
{
    private readonly string _workDir = Paths.NewTempFolder("workerfail");

    private string DataDir => Path.Combine(_workDir, ".fabric");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task A_device_survives_the_death_of_its_silo_and_its_worker_reconnects_by_itself()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var first = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(DataDir));
        await using var second = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(DataDir));
        var keypairFile = Path.Combine(_workDir, "supplier.json");
        var owner = Keypair.Generate();
        KeypairFile.Write(keypairFile, owner);
        await using var client = new FabricClient(new FabricClientOptions { DataDir = DataDir, ResponseTimeout = TimeSpan.FromSeconds(10) });
        var mine = new PoolQuery { Owner = owner.Address.ToString(), Sort = PoolSort.Id };

        await using var worker = WorkerProcess.Start("--gateway", first.Settings.Gateway, "--gateway", second.Settings.Gateway,
            "--keypair", keypairFile, "--simulate", "2", "--model", "RTX 4090", "--region", "eu", "--price", "0.4");
        var online = await Eventually.WaitAsync(() => client.QueryPoolAsync(mine, cancel),
            p => p.Items.Count == 2 && p.Items.All(d => d.Status == DeviceStatus.Online), TimeSpan.FromSeconds(90),
            "both simulated GPUs registered, verified and Online");
        var device = online.Items[0].Id;
        var before = (await client.GetDeviceAsync(device, cancel))!;
        Assert.True(before.Spec.Simulated);
        Assert.NotNull(before.VerifiedAt);

        var host = await client.LocateDeviceAsync(device, cancel);
        var (victim, survivor) = host == $"127.0.0.1:{first.Settings.SiloPort}" ? (first, second) : (second, first);
        Assert.Equal($"127.0.0.1:{victim.Settings.SiloPort}", host);
        await victim.KillAsync();
        var killedAt = DateTimeOffset.UtcNow;

        await using var survivorClient = new FabricClient(new FabricClientOptions { Gateways = [survivor.Settings.Gateway] });
        var after = await Eventually.WaitAsync(
            async () => (Device: await survivorClient.GetDeviceAsync(device, cancel),
                Activity: await survivorClient.GetDeviceActivityAsync(owner, device, cancel),
                Host: await survivorClient.LocateDeviceAsync(device, cancel)),
            // The worker's heartbeats go to the device's pool shard: if that shard died with the victim the worker
            // reconnects (a second connection), if it lives on the survivor the session goes on; either way the
            // survivor hears from the device after the kill.
            r => r.Device is { Status: DeviceStatus.Online, LastSeenAt: { } seen } && seen > killedAt
                 && r.Host == $"127.0.0.1:{survivor.Settings.SiloPort}",
            TimeSpan.FromSeconds(120), "the device to reactivate on the survivor and its worker's heartbeats to reach it");

        Assert.Equal(before.Id, after.Device!.Id);
        Assert.Equal(before.Owner, after.Device.Owner);
        Assert.Equal(before.Spec, after.Device.Spec);
        Assert.Equal(before.VerifiedAt, after.Device.VerifiedAt);
        Assert.Equal(before.Tier, after.Device.Tier);
    }
}
