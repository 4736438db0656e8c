using Fabric.Devices;
using Microsoft.Extensions.Options;

namespace Fabric.Tests.Pool;

/// <summary>
/// Test-only grain that feeds pool shards the way device grains do, grain to grain, so tests reach the shard's
/// <see cref="SiloOnlyAttribute"/> methods (calls straight from a client are refused).
/// </summary>
[Alias("fabric.tests.IPoolRelayGrain")]
public interface IPoolRelayGrain : IGrainWithIntegerKey
{
    /// <summary>Upserts each summary into its device's shard (<see cref="PoolShards.Of"/>).</summary>
    [Alias("Upsert")]
    Task UpsertAsync(IReadOnlyList<DeviceSummary> summaries);

    /// <summary>Upserts the summaries into one given shard, whatever their ids hash to.</summary>
    [Alias("UpsertTo")]
    Task UpsertToAsync(long shard, IReadOnlyList<DeviceSummary> summaries);

    /// <summary>Removes each device from its shard.</summary>
    [Alias("Remove")]
    Task RemoveAsync(IReadOnlyList<string> deviceIds);

    /// <summary>Touches a device in a given shard and returns once the shard has taken the one-way touch.</summary>
    [Alias("Touch")]
    Task TouchAsync(long shard, DeviceSummary summary, DateTimeOffset at);

    [Alias("Sweep")]
    Task<int> SweepAsync(long shard);
}

public sealed class PoolRelayGrain(IOptions<PoolOptions> options) : Grain, IPoolRelayGrain
{
    public Task UpsertAsync(IReadOnlyList<DeviceSummary> summaries) =>
        Task.WhenAll(summaries.Select(s => Shard(PoolShards.Of(s.Id, options.Value.Shards)).UpsertAsync(s)));

    public Task UpsertToAsync(long shard, IReadOnlyList<DeviceSummary> summaries) =>
        Task.WhenAll(summaries.Select(s => Shard(shard).UpsertAsync(s)));

    public Task RemoveAsync(IReadOnlyList<string> deviceIds) =>
        Task.WhenAll(deviceIds.Select(id => Shard(PoolShards.Of(id, options.Value.Shards)).RemoveAsync(id)));

    public async Task TouchAsync(long shard, DeviceSummary summary, DateTimeOffset at)
    {
        await Shard(shard).TouchAsync(summary, at);
        await Shard(shard).CountsAsync(); // queued behind the one-way touch
    }

    public Task<int> SweepAsync(long shard) => Shard(shard).SweepAsync();

    private IPoolShardGrain Shard(long key) => GrainFactory.GetGrain<IPoolShardGrain>(key);
}
