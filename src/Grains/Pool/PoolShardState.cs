namespace Fabric.Devices;

/// <summary>What a pool shard keeps in storage: its devices' summaries, written coalesced (see <see cref="PoolShardGrain"/>).</summary>
[GenerateSerializer, Alias("fabric.PoolShardState")]
public sealed record PoolShardState
{
    [Id(0)] public IReadOnlyList<DeviceSummary> Devices { get; init; } = [];
}
