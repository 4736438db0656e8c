using System.Runtime.InteropServices;

namespace Fabric.Devices;

/// <summary>A device the liveness sweep changed: its new summary and the last time it was heard from.</summary>
public readonly record struct SilentDevice(DeviceSummary Summary, DateTimeOffset LastSeen);

/// <summary>
/// One shard's devices in memory, with no Orleans in it: the summaries by id, and for each the moment its silence
/// started. <see cref="Version"/> moves on every change to a summary (what storage holds) and never on a touch, so the
/// grain writes only when a summary changed.
/// </summary>
/// <remarks>
/// Per device: one dictionary entry (hash, next, key reference, and a 16-byte slot: the summary reference and the
/// silence start in ticks); no timers, no per-device objects beyond the summary itself, which in a one-silo cluster is
/// the very object the device grain published (immutable arguments are passed by reference inside a silo).
/// </remarks>
public sealed class PoolShardIndex
{
    private readonly Dictionary<string, Slot> _devices = new(StringComparer.Ordinal);
    private PoolCounts? _counts;

    /// <summary>Moves on every change to a stored summary.</summary>
    public long Version { get; private set; }

    public int Count => _devices.Count;

    public bool Contains(string deviceId) => _devices.ContainsKey(deviceId);

    /// <summary>The summaries, in no particular order.</summary>
    public IEnumerable<DeviceSummary> Devices
    {
        get
        {
            foreach (var slot in _devices.Values)
            {
                yield return slot.Summary;
            }
        }
    }

    /// <summary>
    /// Adds or replaces a summary; false (and no new version) when it equals the stored one. A device new to the shard,
    /// or one that becomes Online, Busy or Verifying from another status, starts its silence at <paramref name="now"/>
    /// at the earliest: a device that just came back is not swept for a silence from before it did.
    /// </summary>
    public bool Upsert(DeviceSummary summary, DateTimeOffset now)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_devices, summary.Id, out var known);
        if (!known)
        {
            slot = new Slot(summary, now.UtcTicks);
            Changed();
            return true;
        }

        var previous = slot.Summary;
        if (previous.Equals(summary))
        {
            // Same content: keep the caller's instance so that the shard shares the device grain's copy, not its own.
            slot.Summary = summary;
            return false;
        }

        if (summary.Status != previous.Status && IsWatched(summary.Status) && slot.SilentSinceTicks < now.UtcTicks)
        {
            slot.SilentSinceTicks = now.UtcTicks;
        }

        slot.Summary = summary;
        Changed();
        return true;
    }

    /// <summary>Drops a device; false when it was not here.</summary>
    public bool Remove(string deviceId)
    {
        if (!_devices.Remove(deviceId))
        {
            return false;
        }

        Changed();
        return true;
    }

    /// <summary>
    /// The device was heard from at <paramref name="at"/> (never later than <paramref name="now"/>, never moving its
    /// silence start backwards); false for a device the shard does not hold.
    /// </summary>
    public bool Touch(string deviceId, DateTimeOffset at, DateTimeOffset now)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrNullRef(_devices, deviceId);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref slot))
        {
            return false;
        }

        var ticks = Math.Min(at.UtcTicks, now.UtcTicks);
        if (ticks > slot.SilentSinceTicks)
        {
            slot.SilentSinceTicks = ticks;
        }

        return true;
    }

    /// <summary>
    /// Marks every device silent for too long Unhealthy or Offline (GPUs free 0) and returns those it changed. Silence
    /// keeps counting from the same start, so an Unhealthy device becomes Offline once the silence passes
    /// <see cref="PoolOptions.OfflineAfter"/>.
    /// </summary>
    public IReadOnlyList<SilentDevice> Sweep(DateTimeOffset now, PoolOptions options)
    {
        List<SilentDevice>? changed = null;
        foreach (var slot in _devices.Values)
        {
            var since = new DateTimeOffset(slot.SilentSinceTicks, TimeSpan.Zero);
            if (Silenced(slot.Summary.Status, now - since, options) is { } status)
            {
                (changed ??= []).Add(new SilentDevice(slot.Summary with { Status = status, GpusFree = 0 }, since));
            }
        }

        if (changed is null)
        {
            return [];
        }

        foreach (var change in changed)
        {
            CollectionsMarshal.GetValueRefOrNullRef(_devices, change.Summary.Id).Summary = change.Summary;
        }

        Changed();
        return changed;
    }

    /// <summary>
    /// Where a device of <paramref name="status"/> silent for <paramref name="silence"/> goes, or null when it stays:
    /// Online, Busy and Verifying go Unhealthy after <see cref="PoolOptions.UnhealthyAfter"/>; those and Unhealthy go
    /// Offline after <see cref="PoolOptions.OfflineAfter"/>. Other statuses are not about liveness.
    /// </summary>
    public static DeviceStatus? Silenced(DeviceStatus status, TimeSpan silence, PoolOptions options)
    {
        if (!IsWatched(status) && status != DeviceStatus.Unhealthy)
        {
            return null;
        }

        if (silence > options.OfflineAfter)
        {
            return DeviceStatus.Offline;
        }

        return status != DeviceStatus.Unhealthy && silence > options.UnhealthyAfter ? DeviceStatus.Unhealthy : null;
    }

    /// <summary>This shard's first Skip + Take matches and its number of matches.</summary>
    public Page<DeviceSummary> Query(PoolQuery query) => PoolFilter.Top(Devices, query);

    public int CountMatches(PoolQuery query) => PoolFilter.Count(Devices, query);

    /// <summary>The shard's counts, computed once per version.</summary>
    public PoolCounts Counts() => _counts ??= PoolCounting.Tally(Devices);

    /// <summary>A copy of the summaries, for storage.</summary>
    public DeviceSummary[] Snapshot()
    {
        var all = new DeviceSummary[_devices.Count];
        var i = 0;
        foreach (var slot in _devices.Values)
        {
            all[i++] = slot.Summary;
        }

        return all;
    }

    /// <summary>Replaces the contents with stored summaries, all silent since <paramref name="now"/>; not a change.</summary>
    public void Load(IEnumerable<DeviceSummary> summaries, DateTimeOffset now)
    {
        _devices.Clear();
        foreach (var summary in summaries)
        {
            _devices[summary.Id] = new Slot(summary, now.UtcTicks);
        }

        _devices.TrimExcess();
        _counts = null;
    }

    private static bool IsWatched(DeviceStatus status) =>
        status is DeviceStatus.Online or DeviceStatus.Busy or DeviceStatus.Verifying;

    private void Changed()
    {
        Version++;
        _counts = null;
    }

    private struct Slot(DeviceSummary summary, long silentSinceTicks)
    {
        public DeviceSummary Summary = summary;

        /// <summary>Last touch, or when the shard first saw the device or it came back, whichever is latest (UTC ticks).</summary>
        public long SilentSinceTicks = silentSinceTicks;
    }
}
