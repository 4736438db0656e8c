using Fabric.Devices;
using Fabric.Ledger;
using Fabric.Tests.Ledger;
using Fabric.Verification;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Tests.Devices;

/// <summary>Registers, connects and verifies devices the way a worker does, on the fixture's network and clock.</summary>
public sealed class DeviceTestKit(ClusterFixture fixture)
{
    public static DeviceSpec Spec(string? uuid = null, string model = "RTX 4090", bool simulated = true, int vramMib = 24_564) => new()
    {
        GpuUuid = uuid ?? $"GPU-{Guid.NewGuid()}",
        Model = model,
        VramMib = vramMib,
        ComputeCapability = "8.9",
        Region = "eu",
        PricePerHourBaseUnits = 450_000,
        Simulated = simulated,
        Host = new HostInfo { CpuModel = "Test CPU", CpuCores = 16, RamMib = 65_536, Os = "Linux", BandwidthMbps = 900, LatencyMs = 3 },
    };

    public static Heartbeat Beat(int utilization = 10, int freeVramMib = 20_000) => new()
    {
        UtilizationPct = utilization, TemperatureC = 55, PowerW = 120, FreeVramMib = freeVramMib, BytesIn = 1_000, BytesOut = 2_000,
    };

    public static SignedEnvelope RegisterRequest(Keypair owner, DeviceSpec spec, string? deviceId = null) =>
        LedgerTestKit.Sign(owner, DeviceOperations.Register, new DeviceRegisterPayload(
            deviceId ?? DeviceIdentity.For(owner.Address, spec.GpuUuid), spec.GpuUuid, spec.Model, spec.VramMib, spec.ComputeCapability,
            spec.Region, spec.PricePerHourBaseUnits, spec.Simulated, spec.Host.CpuModel, spec.Host.CpuCores, spec.Host.RamMib,
            spec.Host.Os, spec.Host.BandwidthMbps, spec.Host.LatencyMs).Encode());

    public static SignedEnvelope Ref(Keypair signer, string operation, string deviceId) =>
        LedgerTestKit.Sign(signer, operation, new DeviceRefPayload(deviceId).Encode());

    public IDeviceGrain Grain(string id) => fixture.Grains.GetGrain<IDeviceGrain>(id);

    /// <summary>The pool shard that takes a device's heartbeats.</summary>
    public IPoolShardGrain Shard(string id) => fixture.Grains.GetGrain<IPoolShardGrain>(PoolShards.Of(id, ClusterFixture.Pool.Shards));

    /// <summary>A heartbeat as a worker sends it: to the device's pool shard.</summary>
    public Task<HeartbeatReply> BeatAsync(string id, Guid session, Heartbeat beat) => Shard(id).HeartbeatAsync(id, session, beat);

    public async Task<(Keypair Owner, string Id, IDeviceGrain Grain)> RegisteredAsync(DeviceSpec? spec = null)
    {
        var owner = Keypair.Generate();
        spec ??= Spec();
        var id = DeviceIdentity.For(owner.Address, spec.GpuUuid);
        await Grain(id).RegisterAsync(RegisterRequest(owner, spec));
        return (owner, id, Grain(id));
    }

    /// <summary>A registered, connected device that passed verification: Online.</summary>
    public async Task<(Keypair Owner, string Id, IDeviceGrain Grain, Guid Session)> OnlineAsync()
    {
        var (owner, id, grain) = await RegisteredAsync();
        var session = await grain.ConnectAsync(Ref(owner, DeviceOperations.Connect, id));
        var outcome = await SolveAsync(grain, session.Token, session.Challenge!, TimeSpan.FromMilliseconds(15));
        Assert.True(outcome.Passed, outcome.Detail);
        return (owner, id, grain, session.Token);
    }

    /// <summary>
    /// Solves a challenge honestly and answers it as if solving took <paramref name="took"/> of Fabric's (fake) clock,
    /// which is what the silo measures.
    /// </summary>
    public static async Task<VerificationOutcome> SolveAsync(IDeviceGrain grain, Guid session, ChallengeData challenge, TimeSpan took)
    {
        var spec = new ChallengeSpec(challenge.Id, challenge.Seed, challenge.Leaves, challenge.Rounds, challenge.IssuedAt, challenge.Deadline);
        var solution = ChallengeSolver.Solve(spec, parallelism: 2);
        ClusterFixture.Clock.Advance(took);
        var samples = await grain.SubmitChallengeRootAsync(session, challenge.Id, solution.Root.ToArray());
        return await grain.SubmitChallengeOpeningsAsync(session, challenge.Id, Openings(solution.Open(samples)));
    }

    public static IReadOnlyList<LeafOpeningData> Openings(IEnumerable<LeafOpening> openings) =>
        [.. openings.Select(o => new LeafOpeningData { Index = o.Index, Leaf = o.Leaf.ToArray(), Path = [.. o.Path.Select(p => p.ToArray())] })];
}
