using static Fabric.Rejections;

namespace Fabric.Devices;

/// <summary>
/// What a pool query means, as pure functions: which summaries match, in what order, and how shard pages merge. The
/// order is total (the id breaks every tie), so the same pool and query always give the same page.
/// </summary>
public static class PoolFilter
{
    /// <summary>Most models one query may list.</summary>
    public const int MaxModels = 32;

    /// <summary>Throws <see cref="FabricRejectedException"/> when the query is out of bounds.</summary>
    public static void Validate(PoolQuery? query)
    {
        Require(query is not null, "A pool query is required.");
        Require(query!.Take is >= 1 and <= PageRequest.MaxSize, $"Take must be between 1 and {PageRequest.MaxSize} (was {query.Take}).");
        Require(query.Skip >= 0, $"Skip must not be negative (was {query.Skip}).");
        Require(query.Models is not null && query.Models.Count <= MaxModels,
            $"At most {MaxModels} models may be listed (was {query.Models?.Count}).");
        foreach (var model in query.Models!)
        {
            Require(!string.IsNullOrWhiteSpace(model), "A model in the filter must not be empty.");
        }

        Require(query.Statuses is not null, "Statuses must be a list (empty for any).");
        foreach (var status in query.Statuses!)
        {
            Require(Enum.IsDefined(status), $"Unknown device status {(int)status}.");
        }

        Require(Enum.IsDefined(query.Sort), $"Unknown sort {(int)query.Sort}.");
        Require(query.SampleShards >= 0, $"SampleShards must not be negative (was {query.SampleShards}).");
        Require(query.MinVramMib >= 0, $"Minimum VRAM must not be negative (was {query.MinVramMib}).");
        Require(query.MaxPricePerHourBaseUnits is null or >= 0,
            $"Maximum price must not be negative (was {query.MaxPricePerHourBaseUnits}).");
    }

    /// <summary>Whether <paramref name="device"/> passes every filter of <paramref name="query"/>.</summary>
    public static bool Matches(DeviceSummary device, PoolQuery query)
    {
        // Cheap scalar tests first, strings last.
        if (device.VramMib < query.MinVramMib
            || device.PricePerHourBaseUnits > query.MaxPricePerHourBaseUnits
            || (query.VerifiedOnly && device.Tier <= DeviceTier.Unverified)
            || (query.FreeOnly && device.GpusFree <= 0))
        {
            return false;
        }

        if (query.Statuses.Count > 0 && !Contains(query.Statuses, device.Status))
        {
            return false;
        }

        if (!string.IsNullOrEmpty(query.Owner) && !string.Equals(device.Owner, query.Owner, StringComparison.Ordinal))
        {
            return false;
        }

        if (!string.IsNullOrEmpty(query.Region) && !string.Equals(device.Region, query.Region, StringComparison.Ordinal))
        {
            return false;
        }

        return query.Models.Count == 0 || ContainsModel(query.Models, device.Model);
    }

    /// <summary>
    /// The total order of <paramref name="sort"/>: ties of its keys in the order <paramref name="tieSeed"/> draws
    /// (<see cref="PoolQuery.TieSeed"/>; 0 for none), then by id, compared ordinally.
    /// </summary>
    public static IComparer<DeviceSummary> Comparer(PoolSort sort, long tieSeed = 0) => sort switch
    {
        PoolSort.Tier => tieSeed == 0 ? ByTier.Instance : new ByTier(tieSeed),
        PoolSort.Id => ById.Instance,
        _ => tieSeed == 0 ? ByPrice.Instance : new ByPrice(tieSeed),
    };

    /// <summary>
    /// Where a device falls among its ties under <paramref name="tieSeed"/>: a hash of its whole id (FNV-1a, the same
    /// in every silo, so shards and the merge of their pages agree) mixed with the seed.
    /// </summary>
    public static ulong TieRank(ulong idHash, long tieSeed)
    {
        // MurmurHash3's 64-bit finalizer: every bit of the seed moves every bit of the rank.
        var x = idHash ^ (ulong)tieSeed;
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdUL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53UL;
        x ^= x >> 33;
        return x;
    }

    /// <summary>FNV-1a over the id's UTF-16 code units.</summary>
    public static ulong IdHash(string id)
    {
        var hash = 0xcbf29ce484222325UL;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 0x100000001b3UL;
        }

        return hash;
    }

    private static int CompareTies(DeviceSummary x, DeviceSummary y, long tieSeed) => tieSeed == 0
        ? string.CompareOrdinal(x.Id, y.Id)
        : CompareRanked(TieRank(IdHash(x.Id), tieSeed), TieRank(IdHash(y.Id), tieSeed), x.Id, y.Id);

    /// <summary>Ties under a seed: by their tie ranks, then by id.</summary>
    private static int CompareRanked(ulong xRank, ulong yRank, string xId, string yId)
    {
        var c = xRank.CompareTo(yRank);
        return c != 0 ? c : string.CompareOrdinal(xId, yId);
    }

    /// <summary>The summaries in the order of <paramref name="sort"/>.</summary>
    public static IEnumerable<DeviceSummary> Order(IEnumerable<DeviceSummary> devices, PoolSort sort) =>
        devices.Order(Comparer(sort));

    /// <summary>
    /// The first Skip + Take matches of <paramref name="query"/> in order, and how many matched. Keeps only the best
    /// Skip + Take in a bounded heap, so a query over n devices costs O(n log k) and allocates O(k), not a full sort.
    /// </summary>
    public static Page<DeviceSummary> Top(IEnumerable<DeviceSummary> devices, PoolQuery query)
    {
        var keep = Keep(query);
        var order = Comparer(query.Sort, query.TieSeed);
        var worstFirst = new PriorityQueue<DeviceSummary, DeviceSummary>(Comparer<DeviceSummary>.Create((a, b) => order.Compare(b, a)));
        var matched = 0;
        foreach (var device in devices)
        {
            if (!Matches(device, query))
            {
                continue;
            }

            matched++;
            if (worstFirst.Count < keep)
            {
                worstFirst.Enqueue(device, device);
            }
            else if (order.Compare(device, worstFirst.Peek()) < 0)
            {
                worstFirst.DequeueEnqueue(device, device);
            }
        }

        var items = new DeviceSummary[worstFirst.Count];
        for (var i = items.Length - 1; i >= 0; i--)
        {
            items[i] = worstFirst.Dequeue();
        }

        return new Page<DeviceSummary> { Items = items, Total = matched };
    }

    /// <summary>How many summaries match <paramref name="query"/>.</summary>
    public static int Count(IEnumerable<DeviceSummary> devices, PoolQuery query)
    {
        var matched = 0;
        foreach (var device in devices)
        {
            if (Matches(device, query))
            {
                matched++;
            }
        }

        return matched;
    }

    /// <summary>
    /// The page of <paramref name="query"/> from the shards' pages (each its first Skip + Take in order, with its own
    /// total): the union re-ordered, then Skip and Take; the total is the sum.
    /// </summary>
    public static Page<DeviceSummary> Merge(IEnumerable<Page<DeviceSummary>> shardPages, PoolQuery query)
    {
        var all = new List<DeviceSummary>();
        var total = 0;
        foreach (var page in shardPages)
        {
            all.AddRange(page.Items);
            total += page.Total;
        }

        var start = Math.Min(query.Skip, all.Count);
        var count = Math.Min(query.Take, all.Count - start);
        if (query.TieSeed == 0 || query.Sort == PoolSort.Id)
        {
            all.Sort(Comparer(query.Sort, query.TieSeed));
            return new Page<DeviceSummary> { Items = all.GetRange(start, count), Total = total };
        }

        // The same order as the seeded comparer, with each device's tie rank worked out once rather than in every
        // comparison (hashing ids in the sort was over a percent of a gang placement's CPU).
        var keyed = new (DeviceSummary Device, ulong Tie)[all.Count];
        for (var i = 0; i < keyed.Length; i++)
        {
            keyed[i] = (all[i], TieRank(IdHash(all[i].Id), query.TieSeed));
        }

        var sort = query.Sort;
        Array.Sort(keyed, (x, y) =>
        {
            var c = Keys(sort, x.Device, y.Device);
            return c != 0 ? c : CompareRanked(x.Tie, y.Tie, x.Device.Id, y.Device.Id);
        });
        var items = new DeviceSummary[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = keyed[start + i].Device;
        }

        return new Page<DeviceSummary> { Items = items, Total = total };
    }

    /// <summary>The order of <paramref name="sort"/>'s own keys (price and tier), before ties are broken.</summary>
    private static int Keys(PoolSort sort, DeviceSummary x, DeviceSummary y) => sort == PoolSort.Tier ? TierFirst(x, y) : PriceFirst(x, y);

    private static int PriceFirst(DeviceSummary x, DeviceSummary y)
    {
        var c = x.PricePerHourBaseUnits.CompareTo(y.PricePerHourBaseUnits);
        return c != 0 ? c : ((int)y.Tier).CompareTo((int)x.Tier); // as ints: an enum's CompareTo boxes
    }

    private static int TierFirst(DeviceSummary x, DeviceSummary y)
    {
        var c = ((int)y.Tier).CompareTo((int)x.Tier);
        return c != 0 ? c : x.PricePerHourBaseUnits.CompareTo(y.PricePerHourBaseUnits);
    }

    /// <summary>Skip + Take, the most any shard needs to return (saturating, never above int.MaxValue).</summary>
    public static int Keep(PoolQuery query) => (int)Math.Min((long)query.Skip + query.Take, int.MaxValue);

    private static bool Contains(IReadOnlyList<DeviceStatus> statuses, DeviceStatus status)
    {
        for (var i = 0; i < statuses.Count; i++)
        {
            if (statuses[i] == status)
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsModel(IReadOnlyList<string> models, string model)
    {
        for (var i = 0; i < models.Count; i++)
        {
            if (string.Equals(models[i], model, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Cheapest first, then highest tier, then the ties' order.</summary>
    private sealed class ByPrice(long tieSeed = 0) : IComparer<DeviceSummary>
    {
        public static readonly ByPrice Instance = new();

        public int Compare(DeviceSummary? x, DeviceSummary? y)
        {
            var c = PriceFirst(x!, y!);
            return c != 0 ? c : CompareTies(x!, y!, tieSeed);
        }
    }

    /// <summary>Highest tier first, then cheapest, then the ties' order.</summary>
    private sealed class ByTier(long tieSeed = 0) : IComparer<DeviceSummary>
    {
        public static readonly ByTier Instance = new();

        public int Compare(DeviceSummary? x, DeviceSummary? y)
        {
            var c = TierFirst(x!, y!);
            return c != 0 ? c : CompareTies(x!, y!, tieSeed);
        }
    }

    private sealed class ById : IComparer<DeviceSummary>
    {
        public static readonly ById Instance = new();

        public int Compare(DeviceSummary? x, DeviceSummary? y) => string.CompareOrdinal(x!.Id, y!.Id);
    }
}
