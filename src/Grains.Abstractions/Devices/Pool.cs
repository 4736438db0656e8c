namespace Fabric.Devices;

/// <summary>What placement needs to know about a device, kept in the pool index.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceSummary")]
public sealed record DeviceSummary
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Owner { get; init; }
    [Id(2)] public required string Model { get; init; }
    [Id(3)] public required int VramMib { get; init; }
    [Id(4)] public required int FreeVramMib { get; init; }
    [Id(5)] public required string Region { get; init; }
    [Id(6)] public required long PricePerHourBaseUnits { get; init; }
    [Id(7)] public required DeviceStatus Status { get; init; }
    [Id(8)] public required DeviceTier Tier { get; init; }
    [Id(9)] public required int Reputation { get; init; }

    /// <summary>GPU utilisation, 0 to 100.</summary>
    [Id(10)] public required int LoadPct { get; init; }

    /// <summary>GPUs free on this device (one device is one GPU: 1 when idle and Online, else 0).</summary>
    [Id(11)] public required int GpusFree { get; init; }
    [Id(12)] public required bool Simulated { get; init; }
    [Id(13)] public required string Name { get; init; }
}

/// <summary>How to order pool query results.</summary>
[GenerateSerializer, Alias("fabric.PoolSort")]
public enum PoolSort
{
    /// <summary>Cheapest first, then highest tier, then id.</summary>
    Price = 0,

    /// <summary>Highest tier first, then cheapest, then id.</summary>
    Tier = 1,

    /// <summary>By id (stable listing).</summary>
    Id = 2,
}

/// <summary>A pool query; every filter is optional.</summary>
[GenerateSerializer, Immutable, Alias("fabric.PoolQuery")]
public sealed record PoolQuery
{
    /// <summary>Acceptable models (exact, case-insensitive); empty means any.</summary>
    [Id(0)] public IReadOnlyList<string> Models { get; init; } = [];
    [Id(1)] public int MinVramMib { get; init; }
    [Id(2)] public string? Region { get; init; }
    [Id(3)] public long? MaxPricePerHourBaseUnits { get; init; }

    /// <summary>Only devices that passed verification (tier above Unverified).</summary>
    [Id(4)] public bool VerifiedOnly { get; init; }

    /// <summary>Only devices with a free GPU.</summary>
    [Id(5)] public bool FreeOnly { get; init; }
    [Id(6)] public IReadOnlyList<DeviceStatus> Statuses { get; init; } = [];
    [Id(7)] public string? Owner { get; init; }
    [Id(8)] public PoolSort Sort { get; init; } = PoolSort.Price;
    [Id(9)] public int Skip { get; init; }
    [Id(10)] public int Take { get; init; } = 50;

    /// <summary>
    /// Ask only this many shards, chosen at random (0: all). Placement samples a few shards first: any shard holds
    /// devices of every kind, and scanning a sixteenth of the pool finds a good-enough device at a sixteenth of the cost.
    /// Totals then count only the shards asked.
    /// </summary>
    [Id(11)] public int SampleShards { get; init; }

    /// <summary>
    /// Non-zero: devices equal on the sort's keys come in an order drawn from this seed, not by id. Placements asking
    /// alike at the same moment then spread over equally good devices instead of all reaching for the same few and
    /// refusing each other's leases. Zero (the default) orders ties by id, which stable paging needs.
    /// </summary>
    [Id(12)] public long TieSeed { get; init; }
}

/// <summary>Network counts for status views and the explorer.</summary>
[GenerateSerializer, Immutable, Alias("fabric.PoolCounts")]
public sealed record PoolCounts
{
    [Id(0)] public required int Total { get; init; }
    [Id(1)] public required IReadOnlyDictionary<string, int> ByModel { get; init; }
    [Id(2)] public required IReadOnlyDictionary<string, int> ByRegion { get; init; }
    [Id(3)] public required IReadOnlyDictionary<DeviceStatus, int> ByStatus { get; init; }
    [Id(4)] public required int Simulated { get; init; }
}

/// <summary>What the pool shard holds live for a device: its latest heartbeat, when it was last heard from, and whether a worker session is open.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceLive")]
public sealed record DeviceLive
{
    public static readonly DeviceLive Unknown = new() { LastHeartbeat = null, LastSeenAt = null, SessionOpen = false };

    [Id(0)] public required Heartbeat? LastHeartbeat { get; init; }
    [Id(1)] public required DateTimeOffset? LastSeenAt { get; init; }
    [Id(2)] public required bool SessionOpen { get; init; }
}

/// <summary>
/// One shard of the pool index (key 0..Shards-1; a device's shard is a stable hash of its id). Holds the summaries
/// of its devices, takes their heartbeats (workers send them here, not to the device grains, so that idle device grains
/// can be collected), and sweeps them for silence.
/// </summary>
[Alias("fabric.IPoolShardGrain")]
public interface IPoolShardGrain : IGrainWithIntegerKey
{
    /// <summary>Adds or replaces a device's summary (a no-op when nothing changed).</summary>
    [Alias("Upsert"), SiloOnly]
    Task UpsertAsync(DeviceSummary summary);

    /// <summary>Drops a removed device.</summary>
    [Alias("Remove"), SiloOnly]
    Task RemoveAsync(string deviceId);

    /// <summary>
    /// The device was heard from at <paramref name="at"/> (sent at most every few seconds per device). It carries the
    /// device's current summary, so a shard that lost recent changes in a crash heals within one touch.
    /// </summary>
    [Alias("Touch"), SiloOnly, Orleans.Concurrency.OneWay]
    Task TouchAsync(DeviceSummary summary, DateTimeOffset at);

    /// <summary>
    /// Opens a worker session (from the device grain's signed connect): replaces the summary, counts the device as heard
    /// from, and passes heartbeats on to the device grain from <paramref name="wakeAt"/> on.
    /// </summary>
    [Alias("OpenSession"), SiloOnly]
    Task OpenSessionAsync(DeviceSummary summary, Guid session, DateTimeOffset wakeAt);

    /// <summary>
    /// Live health of a device with an open session (the token from <see cref="IDeviceGrain.ConnectAsync"/>, the shard
    /// from <see cref="DeviceSession.Shard"/>). Kept in memory; passed on to the device grain only when it must act (a
    /// challenge, a status to restore, an hour of uptime to write). Returns the status and a challenge when one is due.
    /// </summary>
    [Alias("Heartbeat")]
    Task<HeartbeatReply> HeartbeatAsync(string deviceId, Guid session, Heartbeat beat);

    /// <summary>The device's latest heartbeat, last contact and whether a session is open.</summary>
    [Alias("Liveness"), SiloOnly]
    Task<DeviceLive> LivenessAsync(string deviceId);

    /// <summary>Marks devices silent for too long Unhealthy or Offline and tells their grains.</summary>
    [Alias("Sweep"), SiloOnly]
    Task<int> SweepAsync();

    /// <summary>
    /// This shard's first Skip + Take matches, filtered and sorted, and (as Total) how many matched in all, so the pool
    /// merges a page and its total from one call per shard.
    /// </summary>
    [Alias("Query")]
    Task<Page<DeviceSummary>> QueryAsync(PoolQuery query);

    /// <summary>Number of matches in this shard.</summary>
    [Alias("Count")]
    Task<int> CountAsync(PoolQuery query);

    [Alias("Counts")]
    Task<PoolCounts> CountsAsync();

    /// <summary>
    /// Verified uptime of this shard's devices in the clock hour starting at <paramref name="hourStart"/>, weighted by
    /// <paramref name="weights"/> (read by the reward grain once the hour has closed; kept in memory for a few hours).
    /// </summary>
    [Alias("Uptime"), SiloOnly]
    Task<ShardUptime> UptimeAsync(DateTimeOffset hourStart, TierWeights weights);
}

/// <summary>The whole pool: queries every shard and merges (stateless; key 0).</summary>
[Alias("fabric.IPoolGrain")]
public interface IPoolGrain : IGrainWithIntegerKey
{
    [Alias("Query")]
    Task<Page<DeviceSummary>> QueryAsync(PoolQuery query);

    [Alias("Counts")]
    Task<PoolCounts> CountsAsync();

    /// <summary>
    /// Counts no older than <paramref name="maxAge"/> (each silo's pool keeps its last answer that long): for checks
    /// made on every request, such as whether a model exists at all, where a second-old answer is as good.
    /// </summary>
    [Alias("RecentCounts")]
    Task<PoolCounts> RecentCountsAsync(TimeSpan maxAge);
}
