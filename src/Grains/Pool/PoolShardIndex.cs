using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static Fabric.Rejections;

namespace Fabric.Devices;

/// <summary>A device the liveness sweep changed: its new summary and the last time it was heard from.</summary>
public readonly record struct SilentDevice(DeviceSummary Summary, DateTimeOffset LastSeen);

/// <summary>
/// One shard's devices in memory, with no Orleans in it: the summaries, the keys queries filter and sort on, and each
/// device's worker session and liveness. <see cref="Version"/> moves on every change to a summary (what storage holds)
/// and never on a touch or a heartbeat that moved nothing, so the grain writes only when a summary changed.
/// </summary>
/// <remarks>
/// Layout: slot i of three parallel arrays holds one device (a dictionary maps ids to slots; removal moves the last slot
/// into the hole). Queries scan only <see cref="Keys"/>, a contiguous array of plain values with the strings replaced
/// by ids from per-shard string tables, so a scan is a run of integer compares over sequential memory instead of a
/// pointer chase per device (the scan over summaries cost ~230 ns per device, mostly cache misses); summaries are
/// touched only for the page's winners and for id tie-breaks. The tables also intern model, region and owner strings,
/// so 100,000 summaries share a few hundred strings instead of holding a copy each.
/// </remarks>
public sealed partial class PoolShardIndex
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly StringTable _models = new();
    private readonly StringTable _regions = new();
    private readonly StringTable _owners = new();
    private Keys[] _keys = [];
    private DeviceSummary[] _summaries = [];
    private Live[] _live = [];
    private int _count;
    private PoolCounts? _counts;
    private readonly PoolTally _tally = new();

    /// <summary>Moves on every change to a stored summary.</summary>
    public long Version { get; private set; }

    public int Count => _count;

    public bool Contains(string deviceId) => _slots.ContainsKey(deviceId);

    /// <summary>The summaries, in no particular order.</summary>
    public IEnumerable<DeviceSummary> Devices
    {
        get
        {
            for (var i = 0; i < _count; i++)
            {
                yield return _summaries[i];
            }
        }
    }

    /// <summary>The stored summary of a device, or null.</summary>
    public DeviceSummary? Find(string deviceId) => _slots.TryGetValue(deviceId, out var i) ? _summaries[i] : null;

    /// <summary>
    /// Adds or replaces a summary; false (and no new version) when it equals the stored one. A device new to the shard,
    /// or one that becomes Online, Busy or Verifying from another status, starts its silence at <paramref name="now"/>
    /// at the earliest: a device that just came back is not swept for a silence from before it did. While heartbeats
    /// reach the shard it owns the device's load and free VRAM, so a summary from the device grain keeps the shard's.
    /// </summary>
    public bool Upsert(DeviceSummary summary, DateTimeOffset now)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slots, summary.Id, out var known);
        if (!known)
        {
            slot = Add(Canonical(summary), now.UtcTicks);
            Changed();
            return true;
        }

        var i = slot;
        var previous = _summaries[i];
        if (_live[i].LastBeat is not null && (summary.LoadPct != previous.LoadPct || summary.FreeVramMib != previous.FreeVramMib))
        {
            summary = summary with { LoadPct = previous.LoadPct, FreeVramMib = previous.FreeVramMib };
        }

        if (previous.Equals(summary))
        {
            return false;
        }

        if (summary.Status != previous.Status && IsWatched(summary.Status) && _live[i].SilentSinceTicks < now.UtcTicks)
        {
            _live[i].SilentSinceTicks = now.UtcTicks;
        }

        if (summary.Status != previous.Status && Disqualifies(summary.Status))
        {
            Disqualify(i, now.UtcTicks);
        }

        Set(i, Canonical(summary));
        Changed();
        return true;
    }

    /// <summary>Drops a device (and its session); false when it was not here.</summary>
    public bool Remove(string deviceId)
    {
        if (!_slots.Remove(deviceId, out var i))
        {
            return false;
        }

        _tally.Subtract(_summaries[i]);
        var last = --_count;
        if (i != last)
        {
            // Swap-remove: the last slot fills the hole, so the arrays stay dense for the scan.
            _keys[i] = _keys[last];
            _summaries[i] = _summaries[last];
            _live[i] = _live[last];
            _slots[_summaries[i].Id] = i;
        }

        MoveUptime(last, i);
        _summaries[last] = null!;
        _live[last] = default;
        Changed();
        return true;
    }

    /// <summary>
    /// The device was heard from at <paramref name="at"/> (never later than <paramref name="now"/>, never moving its
    /// silence start backwards); false for a device the shard does not hold.
    /// </summary>
    public bool Touch(string deviceId, DateTimeOffset at, DateTimeOffset now)
    {
        if (!_slots.TryGetValue(deviceId, out var i))
        {
            return false;
        }

        HeardAt(ref _live[i], Math.Min(at.UtcTicks, now.UtcTicks));
        return true;
    }

    /// <summary>
    /// Opens a worker session for a device the shard holds (replacing any other): heartbeats must carry
    /// <paramref name="session"/>, and are passed to the device grain once <paramref name="wakeAt"/> has come. Counts as
    /// hearing from the device. False for a device the shard does not hold.
    /// </summary>
    public bool OpenSession(string deviceId, Guid session, DateTimeOffset wakeAt, DateTimeOffset now)
    {
        if (!_slots.TryGetValue(deviceId, out var i))
        {
            return false;
        }

        ref var live = ref _live[i];
        live.Session = session;
        live.WakeTicks = wakeAt.UtcTicks;
        live.CreditedTicks = now.UtcTicks;
        HeardAt(ref live, now.UtcTicks);
        return true;
    }

    /// <summary>Moves the time the device grain next wants to see a heartbeat, if <paramref name="session"/> is still the open one.</summary>
    public void SetWake(string deviceId, Guid session, DateTimeOffset wakeAt)
    {
        if (_slots.TryGetValue(deviceId, out var i) && _live[i].Session == session)
        {
            _live[i].WakeTicks = wakeAt.UtcTicks;
        }
    }

    /// <summary>
    /// Takes one heartbeat: checks the session and the values, keeps the beat as the latest, counts the device as
    /// heard from, adds its traffic, and moves the summary's load and free VRAM when they really moved (not for a
    /// point of jitter across a bucket edge). Returns true when the device grain must see this beat: the device is
    /// Verifying, Unhealthy or Offline, or the grain's wake time has come.
    /// </summary>
    /// <exception cref="FabricRejectedException">Unknown device or session, or values out of range.</exception>
    public bool Beat(string deviceId, Guid session, Heartbeat beat, DateTimeOffset now, out DeviceStatus status)
    {
        if (!_slots.TryGetValue(deviceId, out var i) || session == Guid.Empty || _live[i].Session != session)
        {
            throw new FabricRejectedException(
                $"No open session {session} for device '{deviceId}': connect again (sessions end when a silo fails over).");
        }

        var summary = _summaries[i];
        Require(beat is { UtilizationPct: >= 0 and <= 100, TemperatureC: >= -50 and <= 150, PowerW: >= 0 and <= 10_000, FreeVramMib: >= 0, BytesIn: >= 0, BytesOut: >= 0 }
                            && beat.FreeVramMib <= summary.VramMib,
            "Heartbeat values are out of range (utilisation 0-100, temperature -50-150 °C, power 0-10000 W, free VRAM within the GPU).");

        ref var live = ref _live[i];
        if (live.LastBeat is { } previous)
        {
            // Counters are the worker's totals since it started; a drop means it restarted, and counts nothing.
            live.BytesIn += beat.BytesIn >= previous.BytesIn ? beat.BytesIn - previous.BytesIn : 0;
            live.BytesOut += beat.BytesOut >= previous.BytesOut ? beat.BytesOut - previous.BytesOut : 0;
        }

        live.LastBeat = beat;
        live.LastSeenTicks = now.UtcTicks;
        HeardAt(ref live, now.UtcTicks);
        CountUptime(i, ref live, summary, now.UtcTicks);

        var load = LoadBucket(summary.LoadPct, beat.UtilizationPct);
        var free = FreeVramBucket(beat.FreeVramMib);
        if (load != summary.LoadPct || free != summary.FreeVramMib)
        {
            _summaries[i] = summary with { LoadPct = load, FreeVramMib = free };
            Changed();
        }

        status = summary.Status;
        return status is DeviceStatus.Verifying or DeviceStatus.Unhealthy or DeviceStatus.Offline || now.UtcTicks >= live.WakeTicks;
    }

    /// <summary>Takes the traffic counted since the last take (the device grain adds it to what it stores).</summary>
    public (long BytesIn, long BytesOut) TakeTraffic(string deviceId)
    {
        if (!_slots.TryGetValue(deviceId, out var i))
        {
            return (0, 0);
        }

        ref var live = ref _live[i];
        var taken = (live.BytesIn, live.BytesOut);
        live.BytesIn = 0;
        live.BytesOut = 0;
        return taken;
    }

    /// <summary>Gives back traffic that was taken but not delivered.</summary>
    public void ReturnTraffic(string deviceId, long bytesIn, long bytesOut)
    {
        if (_slots.TryGetValue(deviceId, out var i))
        {
            _live[i].BytesIn += bytesIn;
            _live[i].BytesOut += bytesOut;
        }
    }

    /// <summary>The latest heartbeat, when it came, and whether a session is open; all empty for an unknown device.</summary>
    public DeviceLive Liveness(string deviceId)
    {
        if (!_slots.TryGetValue(deviceId, out var i))
        {
            return DeviceLive.Unknown;
        }

        var live = _live[i];
        return new DeviceLive
        {
            LastHeartbeat = live.LastBeat,
            LastSeenAt = live.LastSeenTicks == 0 ? null : new DateTimeOffset(live.LastSeenTicks, TimeSpan.Zero),
            SessionOpen = live.Session != Guid.Empty,
        };
    }

    /// <summary>
    /// Load in steps of 10 points, with 3 points of hysteresis: a utilisation that wobbles around a step edge keeps the
    /// step it had, so jitter does not make a change (and a storage write) per heartbeat.
    /// </summary>
    public static int LoadBucket(int current, int utilizationPct)
    {
        const int Hysteresis = 3;
        return utilizationPct >= current - Hysteresis && utilizationPct <= current + 9 + Hysteresis ? current : LoadStep(utilizationPct);
    }

    /// <summary>Utilisation rounded down to a step of 10 points.</summary>
    public static int LoadStep(int utilizationPct) => utilizationPct / 10 * 10;

    /// <summary>Free VRAM in whole GiB: placement needs no finer grain, and byte-level drift would be a change per beat.</summary>
    public static int FreeVramBucket(int freeVramMib) => freeVramMib / 1024 * 1024;

    /// <summary>
    /// Marks every device silent for too long Unhealthy or Offline (GPUs free 0) and returns those it changed. Silence
    /// keeps counting from the same start, so an Unhealthy device becomes Offline once the silence passes
    /// <see cref="PoolOptions.OfflineAfter"/>.
    /// </summary>
    public IReadOnlyList<SilentDevice> Sweep(DateTimeOffset now, PoolOptions options)
    {
        List<SilentDevice>? changed = null;
        for (var i = 0; i < _count; i++)
        {
            var since = new DateTimeOffset(_live[i].SilentSinceTicks, TimeSpan.Zero);
            if (Silenced(_summaries[i].Status, now - since, options) is { } status)
            {
                var summary = _summaries[i] with { Status = status, GpusFree = 0 };
                Set(i, summary);
                if (Disqualifies(status))
                {
                    Disqualify(i, now.UtcTicks);
                }

                (changed ??= []).Add(new SilentDevice(summary, since));
            }
        }

        if (changed is null)
        {
            return [];
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

    /// <summary>
    /// This shard's first Skip + Take matches in order and its number of matches: exactly <see cref="PoolFilter.Top"/>
    /// over <see cref="Devices"/>, computed from the key array with a bounded heap of slot numbers.
    /// </summary>
    public Page<DeviceSummary> Query(PoolQuery query)
    {
        if (Compile(query) is not { } filter)
        {
            return new Page<DeviceSummary> { Items = [], Total = 0 };
        }

        var keep = Math.Min(PoolFilter.Keep(query), _count);
        var heap = new SlotHeap(keep, new SlotOrder(_keys, _summaries, query.Sort, query.TieSeed));
        var matched = 0;
        var keys = _keys;
        for (var i = 0; i < _count; i++)
        {
            if (filter.Matches(in keys[i]))
            {
                matched++;
                heap.Offer(i);
            }
        }

        var winners = heap.Sorted();
        var items = new DeviceSummary[winners.Length];
        for (var j = 0; j < winners.Length; j++)
        {
            items[j] = _summaries[winners[j]];
        }

        return new Page<DeviceSummary> { Items = items, Total = matched };
    }

    public int CountMatches(PoolQuery query)
    {
        if (Compile(query) is not { } filter)
        {
            return 0;
        }

        var matched = 0;
        for (var i = 0; i < _count; i++)
        {
            if (filter.Matches(in _keys[i]))
            {
                matched++;
            }
        }

        return matched;
    }

    /// <summary>The shard's counts, computed once per version.</summary>
    public PoolCounts Counts() => _counts ??= _tally.Snapshot();

    /// <summary>A copy of the summaries, for storage.</summary>
    public DeviceSummary[] Snapshot() => _summaries.AsSpan(0, _count).ToArray();

    /// <summary>Replaces the contents with stored summaries, all silent since <paramref name="now"/> and without sessions; not a change.</summary>
    public void Load(IEnumerable<DeviceSummary> summaries, DateTimeOffset now)
    {
        _slots.Clear();
        _tally.Clear();
        _count = 0;
        _keys = [];
        _summaries = [];
        _live = [];
        ResetUptime(now);
        foreach (var summary in summaries)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_slots, summary.Id, out var known);
            if (known)
            {
                Set(slot, Canonical(summary));
            }
            else
            {
                slot = Add(Canonical(summary), now.UtcTicks);
            }
        }

        _counts = null;
    }

    private static bool IsWatched(DeviceStatus status) =>
        status is DeviceStatus.Online or DeviceStatus.Busy or DeviceStatus.Verifying;

    private static void HeardAt(ref Live live, long ticks)
    {
        if (ticks > live.SilentSinceTicks)
        {
            live.SilentSinceTicks = ticks;
        }
    }

    private int Add(DeviceSummary summary, long silentSinceTicks)
    {
        if (_count == _keys.Length)
        {
            var capacity = Math.Max(16, _count * 2);
            Array.Resize(ref _keys, capacity);
            Array.Resize(ref _summaries, capacity);
            Array.Resize(ref _live, capacity);
            GrowUptime(capacity);
        }

        var i = _count++;
        _live[i] = new Live { SilentSinceTicks = silentSinceTicks };
        Set(i, summary);
        return i;
    }

    private void Set(int i, DeviceSummary summary)
    {
        if (_summaries[i] is { } replaced)
        {
            _tally.Subtract(replaced);
        }

        _tally.Add(summary);
        _summaries[i] = summary;
        _keys[i] = new Keys
        {
            Price = summary.PricePerHourBaseUnits,
            VramMib = summary.VramMib,
            Tier = (int)summary.Tier,
            Status = (int)summary.Status,
            HasFreeGpu = summary.GpusFree > 0,
            Model = _models.Intern(summary.Model).Id,
            Region = _regions.Intern(summary.Region).Id,
            Owner = _owners.Intern(summary.Owner).Id,
            IdHigh = IdPrefix(summary.Id, 0),
            IdLow = IdPrefix(summary.Id, 4),
            IdHash = PoolFilter.IdHash(summary.Id),
        };
    }

    /// <summary>
    /// Four UTF-16 code units of <paramref name="id"/> from <paramref name="start"/>, big-endian, zero-padded: two of
    /// these order ids as <see cref="string.CompareOrdinal(string, string)"/> does their first eight characters (a
    /// shorter id pads with zeros and sorts first), so most id comparisons never read the strings.
    /// </summary>
    private static ulong IdPrefix(string id, int start)
    {
        ulong prefix = 0;
        for (var i = start; i < start + 4; i++)
        {
            prefix = (prefix << 16) | (i < id.Length ? id[i] : 0u);
        }

        return prefix;
    }

    /// <summary>The summary with the shard's own instances of its model, region and owner strings (a copy only when they differ).</summary>
    private DeviceSummary Canonical(DeviceSummary summary)
    {
        var model = _models.Intern(summary.Model).Text;
        var region = _regions.Intern(summary.Region).Text;
        var owner = _owners.Intern(summary.Owner).Text;
        // Most devices keep their model as their name.
        var name = summary.Name == summary.Model ? model : summary.Name;
        return ReferenceEquals(model, summary.Model) && ReferenceEquals(region, summary.Region) && ReferenceEquals(owner, summary.Owner)
               && ReferenceEquals(name, summary.Name)
            ? summary
            : summary with { Model = model, Region = region, Owner = owner, Name = name };
    }

    /// <summary>The query as key values, or null when no device here can match (a region, owner or model the shard has never seen).</summary>
    private Filter? Compile(PoolQuery query)
    {
        var owner = -1;
        if (!string.IsNullOrEmpty(query.Owner) && !_owners.TryFind(query.Owner, out owner))
        {
            return null;
        }

        var region = -1;
        if (!string.IsNullOrEmpty(query.Region) && !_regions.TryFind(query.Region, out region))
        {
            return null;
        }

        bool[]? models = null;
        if (query.Models.Count > 0)
        {
            // Model filters are case-insensitive: resolve them once against the table, not once per device.
            models = new bool[_models.Count];
            var any = false;
            for (var id = 0; id < models.Length; id++)
            {
                var text = _models[id];
                foreach (var wanted in query.Models)
                {
                    if (string.Equals(wanted, text, StringComparison.OrdinalIgnoreCase))
                    {
                        models[id] = any = true;
                        break;
                    }
                }
            }

            if (!any)
            {
                return null;
            }
        }

        var statuses = 0UL;
        foreach (var status in query.Statuses)
        {
            statuses |= 1UL << ((int)status & 63);
        }

        return new Filter(query.MinVramMib, query.MaxPricePerHourBaseUnits ?? long.MaxValue, query.VerifiedOnly, query.FreeOnly,
            query.Statuses.Count > 0 ? statuses : 0, owner, region, models);
    }

    private void Changed()
    {
        Version++;
        _counts = null;
    }

    /// <summary>What queries filter and sort on, as plain values (strings as table ids).</summary>
    private struct Keys
    {
        public long Price;
        public int VramMib;
        public int Tier;
        public int Status;
        public int Model;
        public int Region;
        public int Owner;
        public bool HasFreeGpu;

        /// <summary>The id's first eight characters (<see cref="IdPrefix"/>), for ordering without the string.</summary>
        public ulong IdHigh;
        public ulong IdLow;

        /// <summary><see cref="PoolFilter.IdHash"/> of the id, which a query's tie seed mixes into its order of ties.</summary>
        public ulong IdHash;
    }

    /// <summary>A device's session and liveness, which the scan never reads.</summary>
    private struct Live
    {
        /// <summary>Last heard from, or when the shard first saw the device or it came back, whichever is latest (UTC ticks).</summary>
        public long SilentSinceTicks;
        public long LastSeenTicks;
        public Guid Session;

        /// <summary>From this time (UTC ticks) heartbeats go on to the device grain.</summary>
        public long WakeTicks;

        /// <summary>Up to when (UTC ticks) the device's time was counted for uptime: its last heartbeat or connect.</summary>
        public long CreditedTicks;
        public Heartbeat? LastBeat;
        public long BytesIn;
        public long BytesOut;
    }

    /// <summary>
    /// The query as compares on <see cref="Keys"/>: the same tests as <see cref="PoolFilter.Matches"/>, cheapest first.
    /// Statuses are a bit set (0 for any); owner and region -1 for any; models a table of allowed model ids, null for any.
    /// </summary>
    private sealed class Filter(long minVram, long maxPrice, bool verified, bool free, ulong statuses, int owner, int region, bool[]? models)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Matches(in Keys k) =>
            k.VramMib >= minVram
            && k.Price <= maxPrice
            && (!verified || k.Tier > (int)DeviceTier.Unverified)
            && (!free || k.HasFreeGpu)
            && (statuses == 0 || (k.Status is >= 0 and < 64 && (statuses & (1UL << k.Status)) != 0))
            && (owner < 0 || k.Owner == owner)
            && (region < 0 || k.Region == region)
            && (models is null || models[k.Model]);
    }

    /// <summary>
    /// <see cref="PoolFilter.Comparer"/> on slots: price, tier, the seeded order of ties and the id prefix from the keys,
    /// the id string only to break a tie of those.
    /// </summary>
    private readonly struct SlotOrder(Keys[] keys, DeviceSummary[] summaries, PoolSort sort, long tieSeed)
    {
        public int Compare(int a, int b)
        {
            ref readonly var x = ref keys[a];
            ref readonly var y = ref keys[b];
            var c = sort switch
            {
                PoolSort.Price => x.Price != y.Price ? x.Price.CompareTo(y.Price) : y.Tier.CompareTo(x.Tier),
                PoolSort.Tier => x.Tier != y.Tier ? y.Tier.CompareTo(x.Tier) : x.Price.CompareTo(y.Price),
                _ => 0,
            };
            if (c != 0)
            {
                return c;
            }

            if (tieSeed != 0 && sort != PoolSort.Id)
            {
                var rx = PoolFilter.TieRank(x.IdHash, tieSeed);
                var ry = PoolFilter.TieRank(y.IdHash, tieSeed);
                if (rx != ry)
                {
                    return rx < ry ? -1 : 1;
                }
            }

            // Ids: the eight-character prefixes first; the strings only when those are equal.
            if (x.IdHigh != y.IdHigh)
            {
                return x.IdHigh < y.IdHigh ? -1 : 1;
            }

            if (x.IdLow != y.IdLow)
            {
                return x.IdLow < y.IdLow ? -1 : 1;
            }

            return Math.Sign(string.CompareOrdinal(summaries[a].Id, summaries[b].Id));
        }
    }

    /// <summary>The best <c>capacity</c> slots seen so far, the worst of them at the root (a binary max-heap under the order).</summary>
    private struct SlotHeap(int capacity, SlotOrder order)
    {
        private readonly int[] _heap = new int[capacity];
        private int _size;

        public void Offer(int slot)
        {
            if (_size < _heap.Length)
            {
                var i = _size++;
                while (i > 0)
                {
                    var parent = (i - 1) >> 1;
                    if (order.Compare(_heap[parent], slot) >= 0)
                    {
                        break;
                    }

                    _heap[i] = _heap[parent];
                    i = parent;
                }

                _heap[i] = slot;
            }
            else if (_size > 0 && order.Compare(slot, _heap[0]) < 0)
            {
                var i = 0;
                while (true)
                {
                    var child = (2 * i) + 1;
                    if (child >= _size)
                    {
                        break;
                    }

                    if (child + 1 < _size && order.Compare(_heap[child + 1], _heap[child]) > 0)
                    {
                        child++;
                    }

                    if (order.Compare(_heap[child], slot) <= 0)
                    {
                        break;
                    }

                    _heap[i] = _heap[child];
                    i = child;
                }

                _heap[i] = slot;
            }
        }

        /// <summary>The kept slots, best first.</summary>
        public readonly int[] Sorted()
        {
            var sorted = _heap.AsSpan(0, _size).ToArray();
            var by = order;
            Array.Sort(sorted, (a, b) => by.Compare(a, b));
            return sorted;
        }
    }

    /// <summary>Strings to dense ids and back; one instance of each string. Grows only (ids stay valid for the shard's life).</summary>
    private sealed class StringTable
    {
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly List<string> _texts = [];

        public int Count => _texts.Count;

        public string this[int id] => _texts[id];

        public (int Id, string Text) Intern(string text)
        {
            ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_ids, text, out var known);
            if (!known)
            {
                id = _texts.Count;
                _texts.Add(text);
            }

            return (id, _texts[id]);
        }

        public bool TryFind(string text, out int id) => _ids.TryGetValue(text, out id);
    }
}
