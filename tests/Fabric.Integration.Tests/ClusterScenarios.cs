using System.Net.Http.Json;
using Fabric.Client;
using Fabric.Devices;
using Fabric.Integration.Infrastructure;
using Fabric.Network;
using Fabric.Wallet;

namespace Fabric.Integration;

/// <summary>Scenarios shared by the SQLite and PostgreSQL cluster tests: same behaviour, different database.</summary>
public static class ClusterScenarios
{
    private static DeviceSpec Gpu(int n) => new()
    {
        GpuUuid = $"GPU-cluster-{n:D2}",
        Model = n % 2 == 0 ? "A100" : "H100",
        VramMib = 81_920,
        ComputeCapability = "8.0",
        Region = "eu",
        PricePerHourBaseUnits = 1_000_000 + n,
        Simulated = true,
        Host = new HostInfo { CpuModel = "test", CpuCores = 8, RamMib = 65_536, Os = "Linux", BandwidthMbps = 0, LatencyMs = 0 },
    };

    /// <summary>
    /// Two silo processes on one database form one cluster; both serve; a kill -9 of one leaves the other serving
    /// every stored device once membership has declared the dead one.
    /// </summary>
    public static async Task TwoSilosFormOneClusterAndSurviveAKillAsync(
        Func<SiloSettings> settings, FabricClientOptions discovery, Func<SiloSettings, Task>? whileSurvivorServes = null)
    {
        await using var first = await SiloProcess.StartAsync(settings());
        await using var second = await SiloProcess.StartAsync(settings());

        await using var client = new FabricClient(discovery);
        var formed = await Eventually.WaitAsync(() => client.GetStatusAsync(), s => s.Silos.Count(x => x.Status == "Active") == 2,
            TimeSpan.FromSeconds(60), "both silos Active");
        Assert.Equal(
            new[] { first.Settings.GatewayPort, second.Settings.GatewayPort }.Order(),
            formed.Silos.Select(s => s.GatewayPort).Order());

        var supplier = Keypair.Generate();
        var registered = new List<DeviceDetails>();
        for (var n = 0; n < 24; n++)
        {
            registered.Add(await client.RegisterDeviceAsync(supplier, Gpu(n)));
        }

        var ids = registered.Select(d => d.Id).ToList();

        // The second silo serves requests itself (its own HTTP surface calls grains through its own runtime).
        using var http = new HttpClient();
        var viaSecond = await http.GetFromJsonAsync<NetworkStatus>($"http://127.0.0.1:{second.Settings.HttpPort}/status");
        Assert.Equal(2, viaSecond!.Silos.Count);
        Assert.Equal(ids.Count, viaSecond.Devices);

        await second.KillAsync();

        await using var survivorClient = new FabricClient(new FabricClientOptions { Gateways = [first.Settings.Gateway] });
        var afterKill = await Eventually.WaitAsync(() => survivorClient.GetStatusAsync(includeDead: true),
            s => s.Silos.Any(x => x.GatewayPort == second.Settings.GatewayPort && x.Status == "Dead"),
            TimeSpan.FromSeconds(90), "the killed silo to be declared Dead");
        var active = Assert.Single(afterKill.Silos, s => s.Status == "Active");
        Assert.Equal(first.Settings.GatewayPort, active.GatewayPort);

        // Every device, wherever it was activated, is served by the survivor from storage.
        for (var n = 0; n < ids.Count; n++)
        {
            var id = ids[n];
            var device = await Eventually.WaitAsync(() => survivorClient.GetDeviceAsync(id), d => d is not null,
                TimeSpan.FromSeconds(60), $"device {id} to be served after the kill");
            Assert.Equal(registered[n], device);
        }

        Assert.Equal(ids.Count, (await survivorClient.GetStatusAsync()).Devices);
        if (whileSurvivorServes is not null)
        {
            await whileSurvivorServes(first.Settings);
        }
    }
}
