namespace Fabric.Devices;

/// <summary>
/// A shard's counts, kept up to date as summaries come, change and go. Counting the whole shard again after every
/// change was a steady cost while devices were placed: each placement changes a status, and every deploy reads counts.
/// </summary>
internal sealed class PoolTally
{
    private readonly Dictionary<string, int> _byModel = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _byRegion = new(StringComparer.Ordinal);
    private readonly Dictionary<DeviceStatus, int> _byStatus = [];
    private int _total;
    private int _simulated;

    public void Add(DeviceSummary device) => Count(device, 1);

    public void Subtract(DeviceSummary device) => Count(device, -1);

    public void Clear()
    {
        _byModel.Clear();
        _byRegion.Clear();
        _byStatus.Clear();
        _total = 0;
        _simulated = 0;
    }

    /// <summary>A copy that later changes leave alone; keys whose count fell to zero are not listed.</summary>
    public PoolCounts Snapshot() => new()
    {
        Total = _total,
        ByModel = Listed(_byModel, StringComparer.Ordinal),
        ByRegion = Listed(_byRegion, StringComparer.Ordinal),
        ByStatus = Listed(_byStatus, EqualityComparer<DeviceStatus>.Default),
        Simulated = _simulated,
    };

    private void Count(DeviceSummary device, int n)
    {
        _total += n;
        _simulated += device.Simulated ? n : 0;
        PoolCounting.Add(_byModel, device.Model, n);
        PoolCounting.Add(_byRegion, device.Region, n);
        PoolCounting.Add(_byStatus, device.Status, n);
    }

    private static Dictionary<TKey, int> Listed<TKey>(Dictionary<TKey, int> counts, IEqualityComparer<TKey> comparer)
        where TKey : notnull
    {
        var listed = new Dictionary<TKey, int>(counts.Count, comparer);
        foreach (var (key, n) in counts)
        {
            if (n != 0)
            {
                listed[key] = n;
            }
        }

        return listed;
    }
}
