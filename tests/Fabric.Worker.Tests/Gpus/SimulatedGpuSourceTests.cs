using Fabric.Wallet;
using Fabric.Worker.Gpus;

namespace Fabric.Worker.Tests.Gpus;

public sealed class SimulatedGpuSourceTests
{
    private static readonly Keypair Alice = Keypair.FromSecretSeed(Enumerable.Repeat((byte)7, 32).ToArray());
    private const string PinnedUuid = "GPU-SIM-0953508f-d875-4df7-6a1c-5978673c2650";
    private static readonly Keypair Bob = Keypair.FromSecretSeed(Enumerable.Repeat((byte)8, 32).ToArray());

    [Fact]
    public void Uuids_are_stable_for_a_keypair()
    {
        var again = Keypair.FromBytes(Alice.ToBytes());

        Assert.Equal(SimulatedGpuSource.UuidFor(Alice.Address, 0), SimulatedGpuSource.UuidFor(again.Address, 0));
        Assert.Equal(SimulatedGpuSource.UuidFor(Alice.Address, 5), SimulatedGpuSource.UuidFor(again.Address, 5));
    }

    [Fact]
    public void Uuid_derivation_is_pinned()
    {
        // Changing the derivation would give every simulated device a new id: new devices, lost history.
        Assert.Matches("^GPU-SIM-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", SimulatedGpuSource.UuidFor(Alice.Address, 0));
        Assert.Equal(PinnedUuid, SimulatedGpuSource.UuidFor(Alice.Address, 0));
    }

    [Fact]
    public void Uuids_are_distinct_across_indices_and_owners()
    {
        var uuids = Enumerable.Range(0, 64).SelectMany(i => new[]
        {
            SimulatedGpuSource.UuidFor(Alice.Address, i),
            SimulatedGpuSource.UuidFor(Bob.Address, i),
        }).ToList();

        Assert.Equal(uuids.Count, uuids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task Known_model_fills_in_capability_and_memory()
    {
        var gpus = await new SimulatedGpuSource(Alice.Address, 3, "rtx 4090", null).DiscoverAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, gpus.Count);
        Assert.All(gpus, g => Assert.Equal(("RTX 4090", 24564, "8.9"), (g.Model, g.VramMib, g.ComputeCapability)));
        Assert.Equal(Enumerable.Range(0, 3).Select(i => SimulatedGpuSource.UuidFor(Alice.Address, i)), gpus.Select(g => g.Uuid));
    }

    [Fact]
    public async Task Memory_can_be_overridden_and_unknown_models_need_it()
    {
        var gpus = await new SimulatedGpuSource(Alice.Address, 1, "Prototype X", 12288).DiscoverAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new GpuInfo(SimulatedGpuSource.UuidFor(Alice.Address, 0), "Prototype X", 12288, "0.0"), gpus[0]);
        Assert.Throws<ArgumentException>(() => new SimulatedGpuSource(Alice.Address, 1, "Prototype X", null));
    }

    [Fact]
    public async Task Sample_covers_every_gpu_and_stays_within_plausible_ranges()
    {
        var source = new SimulatedGpuSource(Alice.Address, 4, "H100", null);
        var uuids = (await source.DiscoverAsync(TestContext.Current.CancellationToken)).Select(g => g.Uuid).ToHashSet();

        for (var i = 0; i < 500; i++)
        {
            var sample = await source.SampleAsync(TestContext.Current.CancellationToken);
            Assert.Equal(uuids, sample.Keys.ToHashSet());
            Assert.All(sample.Values, m =>
            {
                Assert.InRange(m.UtilizationPct, 0, 100);
                Assert.InRange(m.TemperatureC, SimulatedGpuMetrics.AmbientC - 5, SimulatedGpuMetrics.MaxTemperatureC);
                Assert.InRange(m.PowerW, 0, 700);
                Assert.InRange(m.FreeVramMib, 0, 81559);
            });
        }
    }

    [Fact]
    public void Metrics_vary_and_follow_load()
    {
        var gpu = new SimulatedGpuMetrics(seed: 42, vramMib: 24564, idlePowerW: 20, maxPowerW: 450);
        var readings = Enumerable.Range(0, 1000).Select(_ => gpu.Next()).ToList();

        // Both idle and busy spells happen, and every metric moves.
        Assert.Contains(readings, r => r.UtilizationPct <= 10);
        Assert.Contains(readings, r => r.UtilizationPct >= 70);
        Assert.True(readings.Select(r => r.TemperatureC).Distinct().Count() > 10);
        Assert.True(readings.Select(r => r.PowerW).Distinct().Count() > 10);
        Assert.True(readings.Select(r => r.FreeVramMib).Distinct().Count() > 10);

        // Busy readings draw more power and leave less memory than idle ones.
        var busy = readings.Where(r => r.UtilizationPct >= 70).ToList();
        var idle = readings.Where(r => r.UtilizationPct <= 10).ToList();
        Assert.True(busy.Average(r => r.PowerW) > idle.Average(r => r.PowerW) + 200);
        Assert.True(busy.Average(r => r.FreeVramMib) < idle.Average(r => r.FreeVramMib) - 10_000);
    }

    [Fact]
    public void Metrics_are_reproducible_for_a_seed()
    {
        var a = new SimulatedGpuMetrics(7, 24564, 20, 450);
        var b = new SimulatedGpuMetrics(7, 24564, 20, 450);

        Assert.Equal(Enumerable.Range(0, 50).Select(_ => a.Next()), Enumerable.Range(0, 50).Select(_ => b.Next()));
    }
}
