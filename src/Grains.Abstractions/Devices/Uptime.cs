namespace Fabric.Devices;

/// <summary>
/// Reward weight of each performance tier (Unverified earns nothing): the live reward weight parameters, in basis points
/// of one as the reward grain sends them.
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.TierWeights")]
public sealed record TierWeights
{
    [Id(0)] public required int Low { get; init; }
    [Id(1)] public required int Medium { get; init; }
    [Id(2)] public required int High { get; init; }
    [Id(3)] public required int Ultra { get; init; }

    /// <summary>The weight of <paramref name="tier"/>: 0 for Unverified.</summary>
    public int Of(DeviceTier tier) => tier switch
    {
        DeviceTier.Low => Low,
        DeviceTier.Medium => Medium,
        DeviceTier.High => High,
        DeviceTier.Ultra => Ultra,
        _ => 0,
    };
}

/// <summary>One device's verified uptime in one clock hour, as its pool shard counted it from heartbeats.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceUptime")]
public sealed record DeviceUptime
{
    [Id(0)] public required string DeviceId { get; init; }
    [Id(1)] public required string Owner { get; init; }

    /// <summary>Seconds the device was Online or Busy with a verified tier, heartbeating (0 to 3,600).</summary>
    [Id(2)] public required int Seconds { get; init; }

    /// <summary>Σ seconds × the weight of the tier the device had in them (basis points of one: 10,000 per second at weight 1).</summary>
    [Id(3)] public required long WeightedSeconds { get; init; }
}

/// <summary>A pool shard's verified uptime for one clock hour: every device that earned in it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ShardUptime")]
public sealed record ShardUptime
{
    [Id(0)] public required DateTimeOffset HourStart { get; init; }

    /// <summary>
    /// False when this shard did not watch the whole hour: it was activated during or after it (a silo failed over,
    /// losing the in-memory counts), or the hour is older than the hours it keeps.
    /// </summary>
    [Id(1)] public required bool Complete { get; init; }

    /// <summary>Devices with uptime in the hour that neither failed verification nor went Offline in it.</summary>
    [Id(2)] public required IReadOnlyList<DeviceUptime> Devices { get; init; }
}
