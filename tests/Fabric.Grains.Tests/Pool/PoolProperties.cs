using Fabric.Devices;
using FsCheck;
using FsCheck.Fluent;
using static Fabric.Tests.Pool.PoolSamples;

namespace Fabric.Tests.Pool;

/// <summary>
/// For random sets of summaries spread over the shards and random queries, the pool's page and total are exactly a
/// brute-force filter, sort and page over the same set. Each run owns its devices through a fresh owner, filters by
/// it, and removes its devices at the end.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PoolProperties(ClusterFixture fixture)
{
    /// <summary>A device before it gets an id and owner; few distinct values, so that filters bite and sorts tie.</summary>
    public sealed record Spec(string Model, int VramMib, string Region, long Price, DeviceStatus Status, DeviceTier Tier, int GpusFree, bool Simulated);

    public sealed record Scenario(List<Spec> Devices, List<PoolQuery> Queries);

    private static readonly string[] Models = ["RTX 4090", "rtx 4090", "A100", "H100"];
    private static readonly string[] QueryModels = ["RTX 4090", "a100", "H100", "V100"];
    private static readonly string[] Regions = ["eu", "us", "ap-south"];
    private static readonly int[] Vram = [8_192, 24_576, 81_920];

    private static readonly Gen<bool> Bool = ArbMap.Default.GeneratorFor<bool>();

    private static readonly Gen<Spec> SpecGen =
        from model in Gen.Elements(Models)
        from vram in Gen.Elements(Vram)
        from region in Gen.Elements(Regions)
        from price in Gen.Choose(0, 4)
        from status in Gen.Elements(Enum.GetValues<DeviceStatus>())
        from tier in Gen.Elements(Enum.GetValues<DeviceTier>())
        from free in Gen.Choose(0, 1)
        from simulated in Bool
        select new Spec(model, vram, region, price * 100_000L, status, tier, free, simulated);

    private static readonly Gen<PoolQuery> QueryGen =
        from models in Gen.SubListOf(QueryModels)
        from minVram in Gen.Elements(0, 8_192, 24_577, 81_920)
        from region in Gen.Elements<string?>(null, "eu", "us", "ap-south")
        from maxPrice in Gen.OneOf(Gen.Constant<long?>(null), Gen.Choose(0, 4).Select(p => (long?)(p * 100_000L)))
        from verified in Bool
        from free in Bool
        from statuses in Gen.SubListOf(Enum.GetValues<DeviceStatus>()).Select(s => s.Take(3).ToList())
        from sort in Gen.Elements(Enum.GetValues<PoolSort>())
        from skip in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 30)))
        from take in Gen.Choose(1, 30)
        select new PoolQuery
        {
            Models = models.ToList(), MinVramMib = minVram, Region = region, MaxPricePerHourBaseUnits = maxPrice,
            VerifiedOnly = verified, FreeOnly = free, Statuses = statuses, Sort = sort, Skip = skip, Take = take,
        };

    private static readonly Gen<Scenario> ScenarioGen =
        from devices in Gen.ListOf(SpecGen).Select(l => l.Take(40).ToList())
        from queries in Gen.ListOf(QueryGen).Select(l => l.Take(6).Append(new PoolQuery { Take = 1000 }).ToList())
        select new Scenario(devices, queries);

    [Fact]
    public void Pool_queries_equal_a_brute_force_filter_sort_and_page() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40),
            Prop.ForAll(ScenarioGen.ToArbitrary(), c => Task.Run(() => RunAsync(c)).GetAwaiter().GetResult()));

    private async Task<bool> RunAsync(Scenario c)
    {
        var owner = NewOwner();
        var devices = c.Devices.Select((s, i) => new DeviceSummary
        {
            Id = $"p{Guid.NewGuid():N}"[..12] + $"-{i}",
            Owner = owner,
            Model = s.Model,
            VramMib = s.VramMib,
            FreeVramMib = s.VramMib / 2,
            Region = s.Region,
            PricePerHourBaseUnits = s.Price,
            Status = s.Status,
            Tier = s.Tier,
            Reputation = i,
            LoadPct = 10,
            GpusFree = s.GpusFree,
            Simulated = s.Simulated,
            Name = $"device {i}",
        }).ToList();
        var relay = fixture.Grains.GetGrain<IPoolRelayGrain>(0);
        var pool = fixture.Grains.GetGrain<IPoolGrain>(0);
        await relay.UpsertAsync(devices);
        try
        {
            foreach (var query in c.Queries.Select(q => q with { Owner = owner }))
            {
                var actual = await pool.QueryAsync(query);
                var expected = BruteForce(devices, query);
                if (actual.Total != expected.Total || !actual.Items.SequenceEqual(expected.Items))
                {
                    return false;
                }
            }

            return true;
        }
        finally
        {
            await relay.RemoveAsync(devices.Select(d => d.Id).ToList());
        }
    }
}
