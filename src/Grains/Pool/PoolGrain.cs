using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Fabric.Devices;

/// <summary>
/// The whole pool (key 0): asks every shard at once for its first Skip + Take matches and its match count, and merges
/// them in the same order. Stateless, so every silo answers queries locally.
/// </summary>
[StatelessWorker]
public sealed class PoolGrain(IOptions<PoolOptions> options, GrainReferences grains) : Grain, IPoolGrain
{
    public async Task<Page<DeviceSummary>> QueryAsync(PoolQuery query)
    {
        // Refuse a bad query once, here, rather than once per shard.
        PoolFilter.Validate(query);
        var shards = options.Value.Shards;
        var asked = query.SampleShards is > 0 && query.SampleShards < shards ? query.SampleShards : shards;
        // Consecutive shards from a random start: distinct, and spread evenly over many queries.
        var first = asked == shards ? 0 : Random.Shared.Next(shards);
        var calls = new Task<Page<DeviceSummary>>[asked];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = grains.Get<IPoolShardGrain>((first + i) % shards).QueryAsync(query);
        }

        return PoolFilter.Merge(await Task.WhenAll(calls), query);
    }

    private (long At, PoolCounts Counts)? _recent;

    public async Task<PoolCounts> RecentCountsAsync(TimeSpan maxAge)
    {
        if (_recent is { } recent && System.Diagnostics.Stopwatch.GetElapsedTime(recent.At) <= maxAge)
        {
            return recent.Counts;
        }

        var counts = await CountsAsync();
        _recent = (System.Diagnostics.Stopwatch.GetTimestamp(), counts);
        return counts;
    }

    public async Task<PoolCounts> CountsAsync()
    {
        var calls = new Task<PoolCounts>[options.Value.Shards];
        for (var shard = 0; shard < calls.Length; shard++)
        {
            calls[shard] = grains.Get<IPoolShardGrain>(shard).CountsAsync();
        }

        return PoolCounting.Sum(await Task.WhenAll(calls));
    }
}
