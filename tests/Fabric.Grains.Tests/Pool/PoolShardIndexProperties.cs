using Fabric.Devices;
using FsCheck;
using FsCheck.Fluent;
using static Fabric.Tests.Pool.PoolSamples;

namespace Fabric.Tests.Pool;

/// <summary>
/// The shard index's key-array query against the brute-force oracle and the plain scan (<see cref="PoolFilter.Top"/>), with no cluster in between: random devices of a
/// few owners, models in mixed case, devices changed and removed after they were added (so slots move), and random
/// queries with and without an owner.
/// </summary>
public sealed class PoolShardIndexProperties
{
    public sealed record Spec(int Owner, string Model, int VramMib, string Region, long Price, DeviceStatus Status, DeviceTier Tier, int GpusFree);

    /// <summary>What happens to one device after it is added: nothing, a new summary, or removal.</summary>
    public enum Fate
    {
        Stays,
        Changes,
        Removed,
    }

    public sealed record Scenario(List<(Spec Spec, Fate Fate, Spec Changed)> Devices, List<PoolQuery> Queries);

    private static readonly string[] Owners = ["owner-a", "owner-b", "owner-c"];
    private static readonly string[] Models = ["RTX 4090", "rtx 4090", "A100", "H100"];
    private static readonly string[] QueryModels = ["RTX 4090", "a100", "H100", "V100"];
    private static readonly string[] Regions = ["eu", "us", "ap-south"];
    private static readonly int[] Vram = [8_192, 24_576, 81_920];
    private static readonly Gen<bool> Bool = ArbMap.Default.GeneratorFor<bool>();

    private static readonly Gen<Spec> SpecGen =
        from owner in Gen.Choose(0, Owners.Length - 1)
        from model in Gen.Elements(Models)
        from vram in Gen.Elements(Vram)
        from region in Gen.Elements(Regions)
        from price in Gen.Choose(0, 4)
        from status in Gen.Elements(Enum.GetValues<DeviceStatus>())
        from tier in Gen.Elements(Enum.GetValues<DeviceTier>())
        from free in Gen.Choose(0, 1)
        select new Spec(owner, model, vram, region, price * 100_000L, status, tier, free);

    private static readonly Gen<PoolQuery> QueryGen =
        from models in Gen.SubListOf(QueryModels)
        from minVram in Gen.Elements(0, 8_192, 24_577, 81_920)
        from region in Gen.Elements<string?>(null, "", "eu", "us", "ap-south", "mars")
        from owner in Gen.Elements<string?>(null, "", "owner-a", "owner-c", "nobody")
        from maxPrice in Gen.OneOf(Gen.Constant<long?>(null), Gen.Choose(0, 4).Select(p => (long?)(p * 100_000L)))
        from verified in Bool
        from free in Bool
        from statuses in Gen.SubListOf(Enum.GetValues<DeviceStatus>()).Select(s => s.Take(3).ToList())
        from sort in Gen.Elements(Enum.GetValues<PoolSort>())
        from skip in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 30)))
        from take in Gen.Choose(1, 30)
        from tieSeed in Gen.Frequency((1, Gen.Constant(0L)), (1, Gen.Choose(int.MinValue, int.MaxValue).Select(x => (long)x << 16 | 1)))
        select new PoolQuery
        {
            Models = models.ToList(), MinVramMib = minVram, Region = region, Owner = owner, MaxPricePerHourBaseUnits = maxPrice,
            VerifiedOnly = verified, FreeOnly = free, Statuses = statuses, Sort = sort, Skip = skip, Take = take, TieSeed = tieSeed,
        };

    private static readonly Gen<Scenario> ScenarioGen =
        from devices in Gen.ListOf(from spec in SpecGen from fate in Gen.Elements(Enum.GetValues<Fate>()) from changed in SpecGen select (spec, fate, changed))
            .Select(l => l.Take(60).ToList())
        from queries in Gen.ListOf(QueryGen).Select(l => l.Take(8).Append(new PoolQuery { Take = 1000 }).ToList())
        select new Scenario(devices, queries);

    [Fact]
    public void Index_queries_equal_a_brute_force_filter_sort_and_page_after_changes_and_removals() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(ScenarioGen.ToArbitrary(), Holds));

    [Fact]
    public void Index_counts_equal_the_brute_force_total() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(ScenarioGen.ToArbitrary(), c =>
        {
            var (index, devices) = Build(c);
            return c.Queries.All(q => index.CountMatches(q) == BruteForce(devices, q).Total);
        }));

    [Fact]
    public void Counts_kept_through_changes_and_removals_equal_a_fresh_tally() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(ScenarioGen.ToArbitrary(), c =>
        {
            var (index, devices) = Build(c);
            var kept = index.Counts();
            var fresh = PoolCounting.Tally(index.Devices);
            return kept.Total == devices.Count && kept.Total == fresh.Total && kept.Simulated == fresh.Simulated
                   && Same(kept.ByModel, fresh.ByModel) && Same(kept.ByRegion, fresh.ByRegion) && Same(kept.ByStatus, fresh.ByStatus);
        }));

    private static bool Same<TKey>(IReadOnlyDictionary<TKey, int> a, IReadOnlyDictionary<TKey, int> b)
        where TKey : notnull =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var n) && n == p.Value);

    private static bool Holds(Scenario c)
    {
        var (index, devices) = Build(c);
        foreach (var query in c.Queries)
        {
            // A shard returns its first Skip + Take; the pool skips after merging.
            var actual = index.Query(query);
            var expected = BruteForce(devices, query with { Skip = 0, Take = PoolFilter.Keep(query) });
            var scan = PoolFilter.Top(devices, query);
            if (actual.Total != expected.Total || !actual.Items.SequenceEqual(expected.Items) || !scan.Items.SequenceEqual(actual.Items))
            {
                return false;
            }
        }

        return true;
    }

    private static (PoolShardIndex Index, List<DeviceSummary> Devices) Build(Scenario c)
    {
        var now = DateTimeOffset.UnixEpoch;
        var index = new PoolShardIndex();
        // Ids that differ early, share an eight-character prefix, or are a prefix of another: the index orders by
        // prefix first and by the string only when prefixes tie.
        var added = c.Devices.Select((d, i) => Of((i % 3) switch { 0 => $"d{i:D3}", 1 => $"gpu-abcd{i % 7}", _ => $"gpu-abcd{i % 7}{i}" }, d.Spec))
            .DistinctBy(d => d.Id).ToList();
        foreach (var summary in added)
        {
            index.Upsert(summary, now);
        }

        var final = new List<DeviceSummary>();
        for (var i = 0; i < added.Count; i++)
        {
            switch (c.Devices[i].Fate)
            {
                case Fate.Removed:
                    index.Remove(added[i].Id);
                    break;
                case Fate.Changes:
                    var changed = Of(added[i].Id, c.Devices[i].Changed);
                    index.Upsert(changed, now);
                    final.Add(changed);
                    break;
                default:
                    final.Add(added[i]);
                    break;
            }
        }

        return (index, final);
    }

    private static DeviceSummary Of(string id, Spec s) =>
        Summary(id, Owners[s.Owner], s.Model, s.VramMib, s.Region, s.Price, s.Status, s.Tier, s.GpusFree) with
        {
            // Fresh string instances, as deserialized summaries have: the index must compare by value, not by reference.
            Owner = new string(Owners[s.Owner].AsSpan()),
            Model = new string(s.Model.AsSpan()),
        };
}
