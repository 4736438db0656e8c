using Fabric.Jobs;
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

    /// <summary>
    /// The device as stored, without the live heartbeat, or null. Interleaves with the device's other calls, so a grain
    /// the device itself waits on (its stake, when it reports a fault) can read it without a deadlock.
    /// </summary>
    [Alias("Peek"), SiloOnly, Orleans.Concurrency.AlwaysInterleave]
    Task<DeviceDetails?> PeekAsync();

    /// <summary>Status history, connections, uptime and traffic ("device.activity", signed by the owner or the operator's authority key).</summary>
    [Alias("Activity")]
    Task<DeviceActivity> GetActivityAsync(SignedEnvelope request);

    /// <summary>The pool's liveness sweep saw no heartbeat since <paramref name="lastSeen"/>.</summary>
    [Alias("MarkSilent"), SiloOnly]
    Task MarkSilentAsync(DeviceStatus status, DateTimeOffset lastSeen);

    /// <summary>
    /// The device's worker is stopping (on its open session): the device goes Offline now rather than when its
    /// silence is noticed, so a cluster renting it re-places the rank at once. Not Offline-able statuses are left.
    /// </summary>
    [Alias("SignOff")]
    Task SignOffAsync(Guid session);

    /// <summary>
    /// Reserves this device's GPU for a cluster's rank until <paramref name="ttl"/> passes; a lease never committed
    /// expires by itself. Refused (not thrown) when the device is not Online and free.
    /// </summary>
    [Alias("Reserve"), SiloOnly]
    Task<LeaseReply> ReserveAsync(string clusterId, int rank, TimeSpan ttl);

    /// <summary>Turns a live lease into a rental (persisted; the device becomes Busy); false when the lease is gone.</summary>
    [Alias("Commit"), SiloOnly]
    Task<bool> CommitAsync(Guid leaseId);

    /// <summary>
    /// Reserve and commit in one step, for a rank that needs no other device to be placed with it (all or nothing over
    /// one device is this call). Refused (not thrown) as <see cref="ReserveAsync"/> is; a granted reply has no lease.
    /// </summary>
    [Alias("Claim"), SiloOnly]
    Task<LeaseReply> ClaimAsync(string clusterId, int rank);

    /// <summary>Ends the cluster's lease or rental on this device, stopping any work it still runs.</summary>
    [Alias("Release"), SiloOnly]
    Task ReleaseAsync(string clusterId, string reason);

    /// <summary>Sends an order to the worker running this device (start or stop a rank of the renting cluster's job).</summary>
    [Alias("Dispatch"), SiloOnly]
    Task DispatchAsync(WorkOrder order);

    /// <summary>A job's rank ended: the device no longer keeps its start order for a worker that re-attaches.</summary>
    [Alias("ForgetOrder"), SiloOnly]
    Task ForgetOrderAsync(string jobId, int rank);

    /// <summary>A renter's rating (1 to 5 stars) of a rental on this device; moves its reputation.</summary>
    [Alias("Rate"), SiloOnly]
    Task RateAsync(string clusterId, int stars);

    /// <summary>
    /// The worker running this session receives orders in inbox <paramref name="inbox"/>; returns the start orders
    /// that are current for the device, so a worker that lost its inbox (a silo failed) catches up.
    /// <paramref name="address"/> is where other ranks reach the worker (its address towards the gateway).
    /// </summary>
    [Alias("AttachWorker")]
    Task<IReadOnlyList<WorkOrder>> AttachWorkerAsync(Guid session, string inbox, string address);
}
