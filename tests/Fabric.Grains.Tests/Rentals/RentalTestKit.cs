using System.Diagnostics;
using Fabric.Client;
using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Jobs;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Tests.Devices;
using Fabric.Tests.Ledger;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Tests.Rentals;

/// <summary>Online devices of a model no other test uses, funded renters, and signed rental requests.</summary>
public sealed class RentalTestKit(ClusterFixture fixture)
{
    private readonly DeviceTestKit _devices = new(fixture);

    public LedgerTestKit Ledger { get; } = new(fixture);

    public IClusterGrain Cluster(string id) => fixture.Grains.GetGrain<IClusterGrain>(id);

    public IJobGrain Job(string id) => fixture.Grains.GetGrain<IJobGrain>(id);

    /// <summary>A model name unique to the calling test, so the shared pool's other devices never match.</summary>
    public static string UniqueModel() => $"Rent-{Guid.NewGuid():N}"[..16];

    /// <summary><paramref name="count"/> verified, Online devices of <paramref name="model"/> at <paramref name="price"/> IOSD base units per hour.</summary>
    public async Task<List<OnlineDevice>> OnlineAsync(string model, int count, long price = 450_000, string region = "eu")
    {
        var devices = new List<OnlineDevice>();
        for (var i = 0; i < count; i++)
        {
            var spec = DeviceTestKit.Spec(model: model) with { PricePerHourBaseUnits = price, Region = region };
            var (owner, id, grain) = await _devices.RegisteredAsync(spec);
            var session = await grain.ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id));
            var outcome = await DeviceTestKit.SolveAsync(grain, session.Token, session.Challenge!, TimeSpan.FromMilliseconds(15));
            Assert.True(outcome.Passed, outcome.Detail);
            devices.Add(new OnlineDevice(owner, id, grain, session.Token));
        }

        return devices;
    }

    /// <summary>Heartbeats from every device, so they count as heard from lately after the clock moved.</summary>
    public async Task BeatAsync(IEnumerable<OnlineDevice> devices)
    {
        foreach (var device in devices)
        {
            await new DeviceTestKit(fixture).BeatAsync(device.Id, device.Session, DeviceTestKit.Beat());
        }
    }

    public static SignedEnvelope Deploy(Keypair renter, string clusterId, int gpus, string model, int hours, long? maxPrice = null,
        Token pay = Token.IOSD, string priority = "normal", string region = "", string forJob = "") =>
        LedgerTestKit.Sign(renter, RentalOperations.Deploy,
            new ClusterDeployPayload(clusterId, gpus, model, 0, region, maxPrice ?? -1, hours, pay.ToString(), priority, false, forJob).Encode());

    public static SignedEnvelope Change(Keypair renter, string operation, string clusterId, long value = 0) =>
        LedgerTestKit.Sign(renter, operation, new ClusterChangePayload(clusterId, value).Encode());

    public static SignedEnvelope Submit(Keypair renter, string jobId, string clusterId, params string[] command) =>
        LedgerTestKit.Sign(renter, RentalOperations.Submit, new JobSubmitPayload(jobId, clusterId, command).Encode());

    public static SignedEnvelope Cancel(Keypair renter, string jobId) =>
        LedgerTestKit.Sign(renter, RentalOperations.Cancel, new JobRefPayload(jobId).Encode());

    public static string NewId(string prefix) => FabricClient.NewId(prefix);

    /// <summary>Waits (polling, bounded) until the cluster is in <paramref name="status"/>: placement runs in the scheduler, apart from the call.</summary>
    public async Task<ClusterDetails> WaitForAsync(string clusterId, Func<ClusterDetails, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var cluster = await Cluster(clusterId).GetAsync();
            if (cluster is not null && condition(cluster))
            {
                return cluster;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                Assert.Fail($"Cluster {clusterId} never got {what}: {cluster?.Status} ({cluster?.Reason})");
            }

            await Task.Delay(20);
        }
    }

    public async Task<JobDetails> WaitForJobAsync(string jobId, Func<JobDetails, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var job = await Job(jobId).GetAsync();
            if (job is not null && condition(job))
            {
                return job;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(20))
            {
                Assert.Fail($"Job {jobId} never got {what}: {job?.Status} ({job?.Reason})");
            }

            await Task.Delay(20);
        }
    }
}

public sealed record OnlineDevice(Keypair Owner, string Id, IDeviceGrain Grain, Guid Session);
