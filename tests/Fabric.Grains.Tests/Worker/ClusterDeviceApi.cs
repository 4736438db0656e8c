using Fabric.Devices;
using Fabric.Tests.Devices;
using Fabric.Tests.Ledger;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Fabric.Worker.Devices;

namespace Fabric.Tests.Worker;

/// <summary>
/// The worker's view of Fabric, wired straight to the test cluster's grains and signed on the fixture's network and
/// clock. Solving a challenge takes no time on a fake clock, so submitting a root first moves Fabric's clock by
/// <see cref="SolveTakes"/>: that is the time the silo measures.
/// </summary>
public sealed class ClusterDeviceApi(IGrainFactory grains) : IDeviceApi
{
    public static readonly TimeSpan SolveTakes = TimeSpan.FromMilliseconds(15);

    private IDeviceGrain Device(string id) => grains.GetGrain<IDeviceGrain>(id);

    public Task<DeviceDetails?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken) => Device(deviceId).GetAsync();

    public Task<DeviceDetails> RegisterAsync(Keypair owner, DeviceSpec spec, CancellationToken cancellationToken) =>
        Device(DeviceIdentity.For(owner.Address, spec.GpuUuid)).RegisterAsync(DeviceTestKit.RegisterRequest(owner, spec));

    public Task<DeviceDetails> SetPriceAsync(Keypair owner, string deviceId, long pricePerHourBaseUnits, CancellationToken cancellationToken) =>
        Device(deviceId).UpdateAsync(LedgerTestKit.Sign(owner, DeviceOperations.Price, new DevicePricePayload(deviceId, pricePerHourBaseUnits).Encode()));

    public Task<DeviceDetails> SetRegionAsync(Keypair owner, string deviceId, string region, CancellationToken cancellationToken) =>
        Device(deviceId).UpdateAsync(LedgerTestKit.Sign(owner, DeviceOperations.Region, new DeviceTextPayload(deviceId, region).Encode()));

    public Task<DeviceSession> ConnectAsync(Keypair owner, string deviceId, CancellationToken cancellationToken) =>
        Device(deviceId).ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, deviceId));

    public Task<HeartbeatReply> HeartbeatAsync(string deviceId, int shard, Guid session, Heartbeat beat, CancellationToken cancellationToken) =>
        grains.GetGrain<IPoolShardGrain>(shard).HeartbeatAsync(deviceId, session, beat);

    public Task<IReadOnlyList<int>> SubmitChallengeRootAsync(string deviceId, Guid session, Guid challengeId, byte[] root, CancellationToken cancellationToken)
    {
        ClusterFixture.Clock.Advance(SolveTakes);
        return Device(deviceId).SubmitChallengeRootAsync(session, challengeId, root);
    }

    public Task<VerificationOutcome> SubmitChallengeOpeningsAsync(
        string deviceId, Guid session, Guid challengeId, IReadOnlyList<LeafOpeningData> openings, CancellationToken cancellationToken) =>
        Device(deviceId).SubmitChallengeOpeningsAsync(session, challengeId, openings);

    public Task SignOffAsync(string deviceId, Guid session, CancellationToken cancellationToken) => Device(deviceId).SignOffAsync(session);
}
