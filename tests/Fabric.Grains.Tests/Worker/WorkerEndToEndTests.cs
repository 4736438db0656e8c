using Fabric.Devices;
using Fabric.Tests.Pool;
using Fabric.Wallet;
using Fabric.Worker.Devices;
using Fabric.Worker.Gpus;
using Fabric.Worker.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fabric.Tests.Worker;

/// <summary>
/// The worker's device agent against the real grains (an in-process silo), with simulated GPUs and Fabric's fake
/// clock: register → verify → Online → worker stops → Unhealthy → Offline → worker restarts → Online.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WorkerEndToEndTests(ClusterFixture fixture)
{
    private DeviceAgent NewAgent(Keypair owner, SimulatedGpuSource gpus, GpuInfo gpu) => new(
        new DeviceAgentSettings
        {
            Owner = owner,
            Spec = new DeviceSpec
            {
                GpuUuid = gpu.Uuid,
                Model = gpu.Model,
                VramMib = gpu.VramMib,
                ComputeCapability = gpu.ComputeCapability,
                Region = "eu",
                PricePerHourBaseUnits = 400_000,
                Simulated = true,
                Host = HostProbe.Describe(),
            },
        },
        new ClusterDeviceApi(fixture.Grains),
        new CpuChallengeSolver(),
        new GpuHeartbeatSource(gpus, new NetworkCounters(() => (0, 0)), ClusterFixture.Clock, NullLogger<GpuHeartbeatSource>.Instance),
        ClusterFixture.Clock,
        NullLogger.Instance);

    [Fact]
    public async Task A_simulated_gpu_goes_online_falls_silent_when_its_worker_stops_and_comes_back_when_it_restarts()
    {
        var cancel = TestContext.Current.CancellationToken;
        var owner = Keypair.Generate();
        var gpus = new SimulatedGpuSource(owner.Address, 1, "RTX 4090", null);
        var gpu = (await gpus.DiscoverAsync(cancel)).Single();
        var device = fixture.Grains.GetGrain<IDeviceGrain>(DeviceIdentity.For(owner.Address, gpu.Uuid));
        var relay = fixture.Grains.GetGrain<IPoolRelayGrain>(0);
        var shard = PoolShards.Of(device.GetPrimaryKeyString(), ClusterFixture.Pool.Shards);

        // The worker registers, connects, answers the challenge in the background and keeps beating.
        await using (var worker = NewAgent(owner, gpus, gpu))
        {
            await worker.StepAsync(cancel);
            Assert.Equal(DeviceStatus.Verifying, worker.Status);
            await worker.ChallengeTask!;
            Assert.True(worker.LastOutcome!.Passed, worker.LastOutcome.Detail);
            await worker.StepAsync(cancel);
            Assert.Equal(DeviceStatus.Online, worker.Status);
        }

        var online = (await device.GetAsync())!;
        Assert.Equal((DeviceStatus.Online, DeviceTier.Low, true), (online.Status, online.Tier, online.Spec.Simulated));

        // The worker is gone: after UnhealthyAfter the pool's sweep marks the device Unhealthy, after OfflineAfter Offline.
        ClusterFixture.Clock.Advance(ClusterFixture.Pool.UnhealthyAfter + TimeSpan.FromSeconds(1));
        await relay.SweepAsync(shard);
        Assert.Equal(DeviceStatus.Unhealthy, (await device.GetAsync())!.Status);
        ClusterFixture.Clock.Advance(ClusterFixture.Pool.OfflineAfter);
        await relay.SweepAsync(shard);
        Assert.Equal(DeviceStatus.Offline, (await device.GetAsync())!.Status);
        var listed = await fixture.Grains.GetGrain<IPoolGrain>(0).QueryAsync(new PoolQuery { Owner = owner.Address.ToString() });
        Assert.Equal(DeviceStatus.Offline, Assert.Single(listed.Items).Status);

        // A restarted worker (a new agent, as after a process restart) brings it back without a new verification.
        await using var restarted = NewAgent(owner, gpus, gpu);
        await restarted.StepAsync(cancel);

        var back = (await device.GetAsync())!;
        Assert.Equal(DeviceStatus.Online, back.Status);
        Assert.Equal(online.VerifiedAt, back.VerifiedAt);
        Assert.Null(restarted.ChallengeTask);
        listed = await fixture.Grains.GetGrain<IPoolGrain>(0).QueryAsync(new PoolQuery { Owner = owner.Address.ToString() });
        Assert.Equal(DeviceStatus.Online, Assert.Single(listed.Items).Status);
    }
}
