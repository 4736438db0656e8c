using Fabric.Ledger;

namespace Fabric.Devices;

/// <summary>
/// One GPU, keyed by its device id (derived from the owner's address and the GPU UUID). Changes are signed by the
/// owner; heartbeats (sent to the device's pool shard) and challenge answers carry the session token the signed connect returned.
/// </summary>
[Alias("fabric.IDeviceGrain")]
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>Registers the device ("device.register", signed by its owner). Registering again with the same spec is a no-op.</summary>
    [Alias("Register")]
    Task<DeviceDetails> RegisterAsync(SignedEnvelope request);

    /// <summary>Opens a worker session ("device.connect"); a new session replaces the previous one.</summary>
    [Alias("Connect")]
    Task<DeviceSession> ConnectAsync(SignedEnvelope request);

    /// <summary>
    /// A heartbeat the device's pool shard passed on because this grain must act on it (workers send heartbeats to
    /// <see cref="IPoolShardGrain.HeartbeatAsync"/>), with the traffic the shard counted since the last one it passed.
    /// </summary>
    [Alias("ForwardedHeartbeat"), SiloOnly]
    Task<ForwardedBeatReply> ForwardedHeartbeatAsync(Guid session, Heartbeat beat, long bytesIn, long bytesOut);

    /// <summary>Commits to a challenge's Merkle root; returns the leaf indices the worker must open.</summary>
    [Alias("ChallengeRoot")]
    Task<IReadOnlyList<int>> SubmitChallengeRootAsync(Guid session, Guid challengeId, byte[] root);

    /// <summary>Opens the sampled leaves; the device is tiered by what it showed, or fails verification.</summary>
    [Alias("ChallengeOpenings")]
    Task<VerificationOutcome> SubmitChallengeOpeningsAsync(Guid session, Guid challengeId, IReadOnlyList<LeafOpeningData> openings);

    /// <summary>Owner-only change: device.rename, device.price, device.region, device.pause, device.resume, device.remove.</summary>
    [Alias("Update")]
    Task<DeviceDetails> UpdateAsync(SignedEnvelope request);

    /// <summary>Public details, or null for an unknown device.</summary>
    [Alias("Get")]
    Task<DeviceDetails?> GetAsync();

    /// <summary>Status history, connections, uptime and traffic ("device.activity", signed by the owner or the operator's authority key).</summary>
    [Alias("Activity")]
    Task<DeviceActivity> GetActivityAsync(SignedEnvelope request);

    /// <summary>The pool's liveness sweep saw no heartbeat since <paramref name="lastSeen"/>.</summary>
    [Alias("MarkSilent"), SiloOnly]
    Task MarkSilentAsync(DeviceStatus status, DateTimeOffset lastSeen);
}
