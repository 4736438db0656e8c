namespace Fabric.Devices;

/// <summary>
/// Verified uptime per device and clock hour, counted from heartbeats, for the hourly rewards. The shard sees every
/// heartbeat and holds every device's status and tier, so counting here costs a few adds per beat and lets the reward
/// grain read a closed hour from the shards instead of activating every device grain.
/// </summary>
/// <remarks>
/// <para><b>Rule.</b> A heartbeat at t credits the span since the device's previous heartbeat (or connect) t₀ to the
/// tier the device has now, when the device is Online or Busy with a verified tier and t − t₀ ≤
/// <see cref="UptimeGap"/> (the Unhealthy threshold: a longer silence is not uptime). The span is split at hour
/// boundaries. A device that is FailedVerification or Offline at any moment of an hour (a status change, a sweep, or a
/// heartbeat while in it) is disqualified for that whole hour: it earns nothing for it. A status change is seen at
/// the next heartbeat, so a span straddling one is credited by the status at its end (at most one heartbeat
/// interval, 5 s, either way).</para>
/// <para><b>Memory.</b> <see cref="UptimeHoursKept"/> rows (the current hour and the closed ones before it) of
/// 10 bytes per device, parallel to the slot arrays: 6 MB for 100,000 devices. A row is reused when its hour comes
/// round again. Nothing is stored: a shard that is activated again (a silo failed over) has lost the counts of the
/// hours before; <see cref="Uptime"/> says so (<see cref="ShardUptime.Complete"/> false).</para>
/// </remarks>
public sealed partial class PoolShardIndex
{
    /// <summary>Clock hours whose counts are kept: the current one and five closed ones.</summary>
    public const int UptimeHoursKept = 6;

    private const int MaxHourSeconds = 3600;

    private readonly HourSeconds[]?[] _uptimeRows = new HourSeconds[UptimeHoursKept][];
    private readonly long[] _uptimeRowHour = new long[UptimeHoursKept];
    private long _latestHourTicks;
    private long _countingSinceTicks;

    /// <summary>Longest gap between heartbeats that still counts as uptime (the pool's Unhealthy threshold).</summary>
    public TimeSpan UptimeGap { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The devices' verified uptime in the hour starting at <paramref name="hourStart"/>, weighted by tier: devices
    /// with none, and disqualified ones, are left out.
    /// </summary>
    public ShardUptime Uptime(DateTimeOffset hourStart, TierWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var hour = hourStart.UtcTicks;
        if (hour % TimeSpan.TicksPerHour != 0)
        {
            throw new ArgumentException($"{hourStart:O} is not the start of an hour (UTC).", nameof(hourStart));
        }

        // Watched in full: counting began at or before the hour's start, and the hour has not been evicted.
        var evicted = _latestHourTicks - hour >= UptimeHoursKept * TimeSpan.TicksPerHour;
        var complete = !evicted && _countingSinceTicks <= hour;
        var row = RowOf(hour);
        if (evicted || _uptimeRowHour[row] != hour || _uptimeRows[row] is not { } seconds)
        {
            return new ShardUptime { HourStart = hourStart, Complete = complete, Devices = [] };
        }

        var devices = new List<DeviceUptime>();
        for (var i = 0; i < _count; i++)
        {
            ref readonly var h = ref seconds[i];
            if (h.Disqualified)
            {
                continue;
            }

            var total = h.Low + h.Medium + h.High + h.Ultra;
            var weighted = ((long)h.Low * weights.Low) + ((long)h.Medium * weights.Medium) + ((long)h.High * weights.High) + ((long)h.Ultra * weights.Ultra);
            if (total > 0 && weighted > 0)
            {
                var summary = _summaries[i];
                devices.Add(new DeviceUptime { DeviceId = summary.Id, Owner = summary.Owner, Seconds = Math.Min(total, MaxHourSeconds), WeightedSeconds = weighted });
            }
        }

        return new ShardUptime { HourStart = hourStart, Complete = complete, Devices = devices };
    }

    /// <summary>Adds uptime by hand: <paramref name="seconds"/> at <paramref name="tier"/> in the hour of <paramref name="at"/> (benchmarks, tests).</summary>
    public bool AddUptime(string deviceId, DateTimeOffset at, DeviceTier tier, int seconds)
    {
        if (!_slots.TryGetValue(deviceId, out var i) || tier == DeviceTier.Unverified || seconds <= 0)
        {
            return false;
        }

        var hour = HourOf(at.UtcTicks);
        if (Row(hour, create: true) is { } row)
        {
            Credit(ref row[i], tier, seconds);
            return true;
        }

        return false;
    }

    private static bool Disqualifies(DeviceStatus status) => status is DeviceStatus.Offline or DeviceStatus.FailedVerification;

    private static bool Earns(DeviceSummary summary) =>
        summary.Status is DeviceStatus.Online or DeviceStatus.Busy && summary.Tier > DeviceTier.Unverified;

    private static long HourOf(long ticks) => ticks - (ticks % TimeSpan.TicksPerHour);

    private static int RowOf(long hourTicks) => (int)((hourTicks / TimeSpan.TicksPerHour) % UptimeHoursKept);

    private static void Credit(ref HourSeconds h, DeviceTier tier, int seconds)
    {
        switch (tier)
        {
            case DeviceTier.Low: h.Low = Add(h.Low, seconds); break;
            case DeviceTier.Medium: h.Medium = Add(h.Medium, seconds); break;
            case DeviceTier.High: h.High = Add(h.High, seconds); break;
            case DeviceTier.Ultra: h.Ultra = Add(h.Ultra, seconds); break;
        }

        static ushort Add(ushort current, int seconds) => (ushort)Math.Min(MaxHourSeconds, current + seconds);
    }

    /// <summary>Counts the span since the device's last heartbeat (see the rule above) and moves its mark to <paramref name="now"/>.</summary>
    private void CountUptime(int slot, ref Live live, DeviceSummary summary, long now)
    {
        var from = live.CreditedTicks;
        live.CreditedTicks = Math.Max(from, now);
        if (Disqualifies(summary.Status))
        {
            Disqualify(slot, now);
            return;
        }

        if (from <= 0 || now <= from || now - from > UptimeGap.Ticks || !Earns(summary))
        {
            return;
        }

        // Split at hour boundaries; whole seconds per piece, rounded down (at most a second lost per heartbeat).
        for (var start = from; start < now;)
        {
            var hour = HourOf(start);
            var end = Math.Min(hour + TimeSpan.TicksPerHour, now);
            if (Row(hour, create: true) is { } row)
            {
                Credit(ref row[slot], summary.Tier, (int)((end - start) / TimeSpan.TicksPerSecond));
            }

            start = end;
        }
    }

    private void Disqualify(int slot, long now)
    {
        if (Row(HourOf(now), create: true) is { } row)
        {
            row[slot].Disqualified = true;
        }
    }

    /// <summary>The counts of the hour starting at <paramref name="hourTicks"/>; a new hour takes over the row of the hour it evicts. Null for an evicted hour.</summary>
    private HourSeconds[]? Row(long hourTicks, bool create)
    {
        var r = RowOf(hourTicks);
        if (_uptimeRowHour[r] == hourTicks && _uptimeRows[r] is { } current)
        {
            return current;
        }

        if (!create || hourTicks < _uptimeRowHour[r] || _latestHourTicks - hourTicks >= UptimeHoursKept * TimeSpan.TicksPerHour)
        {
            return null;
        }

        var row = _uptimeRows[r] ??= new HourSeconds[_keys.Length];
        Array.Clear(row);
        _uptimeRowHour[r] = hourTicks;
        _latestHourTicks = Math.Max(_latestHourTicks, hourTicks);
        return row;
    }

    private void GrowUptime(int capacity)
    {
        for (var r = 0; r < UptimeHoursKept; r++)
        {
            if (_uptimeRows[r] is not null)
            {
                Array.Resize(ref _uptimeRows[r], capacity);
            }
        }
    }

    private void MoveUptime(int from, int to)
    {
        foreach (var row in _uptimeRows)
        {
            if (row is not null)
            {
                row[to] = from == to ? default : row[from];
                row[from] = default;
            }
        }
    }

    private void ResetUptime(DateTimeOffset now)
    {
        Array.Clear(_uptimeRows);
        Array.Clear(_uptimeRowHour);
        _latestHourTicks = 0;
        _countingSinceTicks = now.UtcTicks;
    }

    /// <summary>Seconds of one device in one hour at each verified tier (each at most 3,600), and whether it is disqualified for the hour.</summary>
    private struct HourSeconds
    {
        public ushort Low;
        public ushort Medium;
        public ushort High;
        public ushort Ultra;
        public bool Disqualified;
    }
}
