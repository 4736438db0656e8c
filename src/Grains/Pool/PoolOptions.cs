namespace Fabric.Devices;

/// <summary>
/// The pool index and device liveness, bound from "Fabric:Pool". A device is Unhealthy after
/// <see cref="UnhealthyAfter"/> without a heartbeat and Offline after <see cref="OfflineAfter"/>.
/// </summary>
public sealed class PoolOptions
{
    public const string Section = "Fabric:Pool";

    /// <summary>Index shards; fixed for the life of a cluster (a device's shard is a hash of its id modulo this).</summary>
    public int Shards { get; set; } = 16;

    /// <summary>How often workers send heartbeats.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromSeconds(20);

    public TimeSpan OfflineAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often each shard sweeps its devices for silence (a grain timer on the runtime's clock, while silence is
    /// measured on Fabric's). <see cref="Timeout.InfiniteTimeSpan"/> turns the timer off, for tests that sweep explicitly.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Formerly how often a device grain told its shard it was alive. Heartbeats now go to the shard itself, which
    /// counts each one as contact, so nothing reads this; it stays so that existing configuration still binds.
    /// </summary>
    public TimeSpan TouchEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest a verification challenge may take an honest device of the claimed model.</summary>
    public TimeSpan ChallengeTarget { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Re-verification happens at a random time between these after each pass.</summary>
    public TimeSpan ReverifyMin { get; set; } = TimeSpan.FromMinutes(30);

    public TimeSpan ReverifyMax { get; set; } = TimeSpan.FromMinutes(90);
}
