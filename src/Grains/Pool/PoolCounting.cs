namespace Fabric.Devices;

/// <summary>Network counts as pure functions: one shard's tally, and the sum of the shards'.</summary>
public static class PoolCounting
{
    public static PoolCounts Empty { get; } = new()
    {
        Total = 0,
        ByModel = new Dictionary<string, int>(StringComparer.Ordinal),
        ByRegion = new Dictionary<string, int>(StringComparer.Ordinal),
        ByStatus = new Dictionary<DeviceStatus, int>(),
        Simulated = 0,
    };

    /// <summary>Devices by model (as stored), region, status, and how many are simulated.</summary>
    public static PoolCounts Tally(IEnumerable<DeviceSummary> devices)
    {
        var byModel = new Dictionary<string, int>(StringComparer.Ordinal);
        var byRegion = new Dictionary<string, int>(StringComparer.Ordinal);
        var byStatus = new Dictionary<DeviceStatus, int>();
        int total = 0, simulated = 0;
        foreach (var device in devices)
        {
            total++;
            simulated += device.Simulated ? 1 : 0;
            Add(byModel, device.Model, 1);
            Add(byRegion, device.Region, 1);
            Add(byStatus, device.Status, 1);
        }

        return new PoolCounts { Total = total, ByModel = byModel, ByRegion = byRegion, ByStatus = byStatus, Simulated = simulated };
    }

    /// <summary>The counts of the union of disjoint sets (the shards).</summary>
    public static PoolCounts Sum(IEnumerable<PoolCounts> parts)
    {
        var byModel = new Dictionary<string, int>(StringComparer.Ordinal);
        var byRegion = new Dictionary<string, int>(StringComparer.Ordinal);
        var byStatus = new Dictionary<DeviceStatus, int>();
        int total = 0, simulated = 0;
        foreach (var part in parts)
        {
            total += part.Total;
            simulated += part.Simulated;
            foreach (var (model, n) in part.ByModel)
            {
                Add(byModel, model, n);
            }

            foreach (var (region, n) in part.ByRegion)
            {
                Add(byRegion, region, n);
            }

            foreach (var (status, n) in part.ByStatus)
            {
                Add(byStatus, status, n);
            }
        }

        return new PoolCounts { Total = total, ByModel = byModel, ByRegion = byRegion, ByStatus = byStatus, Simulated = simulated };
    }

    internal static void Add<TKey>(Dictionary<TKey, int> counts, TKey key, int n)
        where TKey : notnull
    {
        ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _);
        count += n;
    }
}
