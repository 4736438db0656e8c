using Fabric.Ledger;

namespace Fabric.Clusters;

/// <summary>
/// GPUs held for a renter for some hours: escrows the cost, is placed whole or not at all by negotiating leases with
/// device grains, re-places lost ranks, settles hourly, and releases what is left when it ends.
/// </summary>
[Alias("fabric.IClusterGrain")]
public interface IClusterGrain : IGrainWithStringKey
{
    /// <summary>"cluster.deploy" signed by the renter: holds the budget in escrow and queues placement. Idempotent.</summary>
    [Alias("Deploy")]
    Task<ClusterDetails> DeployAsync(SignedEnvelope request);

    /// <summary>"cluster.extend", "cluster.release" or "cluster.rate", signed by the renter.</summary>
    [Alias("Change")]
    Task<ClusterDetails> ChangeAsync(SignedEnvelope request);

    [Alias("Get")]
    Task<ClusterDetails?> GetAsync();

    /// <summary>
    /// The cluster once it is no longer Queued (placed, or ended), waiting up to <paramref name="wait"/> (at most 20 s)
    /// for that; null for an unknown cluster.
    /// </summary>
    [Alias("WaitPlaced"), Orleans.Concurrency.AlwaysInterleave]
    Task<ClusterDetails?> WaitPlacedAsync(TimeSpan wait);

    /// <summary>The latest placement attempt's report, or null before the first.</summary>
    [Alias("Explain")]
    Task<PlacementReport?> ExplainAsync();

    /// <summary>One placement try, from the scheduler: true when the cluster holds all its ranks afterwards.</summary>
    [Alias("TryPlace"), SiloOnly]
    Task<bool> TryPlaceAsync();

    /// <summary>A member device went silent or away at <paramref name="at"/>: re-place its rank, stop charging for it.</summary>
    [Alias("MemberLost"), SiloOnly]
    Task MemberLostAsync(string deviceId, DateTimeOffset at, string reason);

    /// <summary>Adds a job to run on this cluster (from the job grain, after the renter's signature was checked).</summary>
    [Alias("AddJob"), SiloOnly]
    Task<ClusterDetails> AddJobAsync(string jobId, string renter);

    /// <summary>A job of this cluster ended; an implicit cluster ends with its job.</summary>
    [Alias("JobEnded"), SiloOnly]
    Task JobEndedAsync(string jobId);

    /// <summary>Settles used GPU-time now and ends the cluster if its hours ran out (what the hourly reminder does).</summary>
    [Alias("Tick"), SiloOnly]
    Task TickAsync();
}
