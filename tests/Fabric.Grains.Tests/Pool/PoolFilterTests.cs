using Fabric.Devices;
using static Fabric.Tests.Pool.PoolSamples;

namespace Fabric.Tests.Pool;

/// <summary>The pool's query, order, merge and counting rules, and the shard index, without a cluster.</summary>
public sealed class PoolFilterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly PoolOptions Liveness = new()
    {
        UnhealthyAfter = TimeSpan.FromSeconds(20),
        OfflineAfter = TimeSpan.FromSeconds(60),
    };

    public static TheoryData<string, PoolQuery> BadQueries => new()
    {
        { "Take must be between 1 and 1000", new PoolQuery { Take = 0 } },
        { "Take must be between 1 and 1000", new PoolQuery { Take = 1001 } },
        { "Skip must not be negative", new PoolQuery { Skip = -1 } },
        { "At most 32 models", new PoolQuery { Models = Enumerable.Range(0, 33).Select(i => $"m{i}").ToList() } },
        { "must not be empty", new PoolQuery { Models = ["RTX 4090", " "] } },
        { "Unknown device status 99", new PoolQuery { Statuses = [(DeviceStatus)99] } },
        { "Unknown sort 7", new PoolQuery { Sort = (PoolSort)7 } },
        { "Minimum VRAM must not be negative", new PoolQuery { MinVramMib = -1 } },
        { "Maximum price must not be negative", new PoolQuery { MaxPricePerHourBaseUnits = -1 } },
    };

    [Theory]
    [MemberData(nameof(BadQueries))]
    public void Bad_queries_are_refused_with_a_reason(string reason, PoolQuery query)
    {
        var e = Assert.Throws<FabricRejectedException>(() => PoolFilter.Validate(query));
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bounds_are_accepted()
    {
        PoolFilter.Validate(new PoolQuery());
        PoolFilter.Validate(new PoolQuery { Take = 1, Skip = int.MaxValue, Models = Enumerable.Range(0, 32).Select(i => $"m{i}").ToList() });
        PoolFilter.Validate(new PoolQuery { Take = 1000 });
    }

    [Fact]
    public void Each_filter_keeps_exactly_its_devices()
    {
        var devices = new[]
        {
            Summary("a"),
            Summary("b", model: "rtx 4090", region: "us", price: 900_000),
            Summary("c", model: "A100", vramMib: 81_920, tier: DeviceTier.Unverified),
            Summary("d", status: DeviceStatus.Busy, gpusFree: 0),
            Summary("e", owner: "other", status: DeviceStatus.Offline, gpusFree: 0),
        };

        string[] Ids(PoolQuery q) => devices.Where(d => PoolFilter.Matches(d, q)).Select(d => d.Id).ToArray();

        Assert.Equal(["a", "b", "c", "d", "e"], Ids(new PoolQuery()));
        Assert.Equal(["a", "b", "d", "e"], Ids(new PoolQuery { Models = ["RTX 4090"] }));
        Assert.Equal(["a", "b", "c", "d", "e"], Ids(new PoolQuery { Models = ["RTX 4090", "a100"] }));
        Assert.Equal(["c"], Ids(new PoolQuery { MinVramMib = 24_577 }));
        Assert.Equal(["b"], Ids(new PoolQuery { Region = "us" }));
        Assert.Empty(Ids(new PoolQuery { Region = "US" }));
        Assert.Equal(["a", "c", "d", "e"], Ids(new PoolQuery { MaxPricePerHourBaseUnits = 450_000 }));
        Assert.Equal(["a", "b", "d", "e"], Ids(new PoolQuery { VerifiedOnly = true }));
        Assert.Equal(["a", "b", "c"], Ids(new PoolQuery { FreeOnly = true }));
        Assert.Equal(["d", "e"], Ids(new PoolQuery { Statuses = [DeviceStatus.Busy, DeviceStatus.Offline] }));
        Assert.Equal(["e"], Ids(new PoolQuery { Owner = "other" }));
        Assert.Equal(["a", "b", "c", "d", "e"], Ids(new PoolQuery { Owner = "", Region = "" }));
    }

    [Fact]
    public void Price_order_is_cheapest_then_highest_tier_then_id()
    {
        var devices = new[]
        {
            Summary("z", price: 100, tier: DeviceTier.Low),
            Summary("y", price: 100, tier: DeviceTier.High),
            Summary("x", price: 50, tier: DeviceTier.Low),
            Summary("w", price: 100, tier: DeviceTier.High),
        };

        Assert.Equal(["x", "w", "y", "z"], PoolFilter.Order(devices, PoolSort.Price).Select(d => d.Id));
        Assert.Equal(["w", "y", "x", "z"], PoolFilter.Order(devices, PoolSort.Tier).Select(d => d.Id));
        Assert.Equal(["w", "x", "y", "z"], PoolFilter.Order(devices, PoolSort.Id).Select(d => d.Id));
    }

    [Fact]
    public void A_tie_seed_orders_equally_good_devices_its_own_way_and_keeps_better_ones_first()
    {
        var devices = Enumerable.Range(0, 40).Select(i => Summary($"gpu-{i:D2}", price: 200))
            .Append(Summary("gpu-cheap", price: 100))
            .Append(Summary("gpu-dear", price: 300))
            .ToList();
        var index = new PoolShardIndex();
        foreach (var device in devices)
        {
            index.Upsert(device, T0);
        }

        List<string> Page(long seed) => [.. index.Query(new PoolQuery { Take = 5, TieSeed = seed }).Items.Select(d => d.Id)];
        var unseeded = Page(0);
        var seeded = Enumerable.Range(1, 8).Select(s => Page(s * 1_000_003L)).ToList();

        // Without a seed ties go by id, as paging needs; with one, each seed picks its own four of the forty tied
        // devices (concurrent placements spread out), always after the cheaper device and never the dearer one, and
        // the same seed gives the same page (the pool's merge of shard pages agrees with each shard).
        Assert.Equal(["gpu-cheap", "gpu-00", "gpu-01", "gpu-02", "gpu-03"], unseeded);
        Assert.All(seeded, page => Assert.Equal("gpu-cheap", page[0]));
        Assert.All(seeded, page => Assert.DoesNotContain("gpu-dear", page));
        Assert.True(seeded.Select(page => string.Join(",", page.Skip(1))).Distinct().Count() >= 6);
        Assert.Equal(seeded[0], Page(1_000_003L));
        Assert.Equal(seeded[0], PoolFilter.Merge([index.Query(new PoolQuery { Take = 5, TieSeed = 1_000_003L })], new PoolQuery { Take = 5, TieSeed = 1_000_003L }).Items.Select(d => d.Id));
    }

    [Fact]
    public void Ids_compare_ordinally()
    {
        var devices = new[] { Summary("b"), Summary("B"), Summary("a") };

        Assert.Equal(["B", "a", "b"], PoolFilter.Order(devices, PoolSort.Id).Select(d => d.Id));
    }

    [Fact]
    public void Top_returns_the_first_skip_plus_take_in_order_and_counts_every_match()
    {
        var random = new Random(7);
        var devices = Enumerable.Range(0, 300)
            .Select(i => Summary($"d{i:D3}", price: random.Next(5), tier: (DeviceTier)random.Next(5), gpusFree: i % 3 == 0 ? 0 : 1))
            .ToList();
        var query = new PoolQuery { FreeOnly = true, Sort = PoolSort.Tier, Skip = 40, Take = 25 };

        var top = PoolFilter.Top(devices, query);

        var all = PoolFilter.Order(devices.Where(d => d.GpusFree > 0), PoolSort.Tier).ToList();
        Assert.Equal(200, top.Total);
        Assert.Equal(all.Take(65), top.Items);
        Assert.Equal(200, PoolFilter.Count(devices, query));
    }

    [Fact]
    public void Merge_orders_the_shard_pages_and_cuts_the_page_from_them()
    {
        var query = new PoolQuery { Sort = PoolSort.Id, Skip = 2, Take = 3 };
        Page<DeviceSummary> Shard(params string[] ids) => new() { Items = ids.Select(id => Summary(id)).ToList(), Total = ids.Length + 10 };

        var page = PoolFilter.Merge([Shard("a", "d", "f"), Shard("b", "c"), Shard(), Shard("e")], query);

        Assert.Equal(["c", "d", "e"], page.Items.Select(d => d.Id));
        Assert.Equal(46, page.Total);
        Assert.Empty(PoolFilter.Merge([Shard("a")], query with { Skip = 5 }).Items);
    }

    [Fact]
    public void Counts_tally_by_model_region_status_and_simulated_and_sum_across_shards()
    {
        var one = PoolCounting.Tally(
        [
            Summary("a"),
            Summary("b", model: "A100", region: "us", simulated: true),
            Summary("c", status: DeviceStatus.Offline, gpusFree: 0, simulated: true),
        ]);
        var two = PoolCounting.Tally([Summary("d", model: "A100", status: DeviceStatus.Busy)]);

        var sum = PoolCounting.Sum([one, two, PoolCounting.Empty]);

        Assert.Equal(3, one.Total);
        Assert.Equal(2, one.Simulated);
        Assert.Equal(4, sum.Total);
        Assert.Equal(2, sum.Simulated);
        Assert.Equal(new Dictionary<string, int> { ["RTX 4090"] = 2, ["A100"] = 2 }, sum.ByModel);
        Assert.Equal(new Dictionary<string, int> { ["eu"] = 3, ["us"] = 1 }, sum.ByRegion);
        Assert.Equal(
            new Dictionary<DeviceStatus, int> { [DeviceStatus.Online] = 2, [DeviceStatus.Offline] = 1, [DeviceStatus.Busy] = 1 },
            sum.ByStatus);
    }

    [Fact]
    public void Upserting_an_equal_summary_changes_nothing()
    {
        var index = new PoolShardIndex();

        Assert.True(index.Upsert(Summary("a"), T0));
        var version = index.Version;
        Assert.False(index.Upsert(Summary("a"), T0.AddSeconds(1)));
        Assert.Equal(version, index.Version);

        Assert.True(index.Upsert(Summary("a", price: 1), T0.AddSeconds(2)));
        Assert.True(index.Version > version);
        Assert.Equal(1, index.Count);
    }

    [Fact]
    public void Touches_move_no_version_and_unknown_devices_are_ignored()
    {
        var index = new PoolShardIndex();
        index.Upsert(Summary("a"), T0);
        var version = index.Version;

        Assert.True(index.Touch("a", T0.AddSeconds(5), T0.AddSeconds(5)));
        Assert.False(index.Touch("nobody", T0, T0));
        Assert.Equal(version, index.Version);
    }

    [Fact]
    public void Silence_past_unhealthy_after_makes_live_devices_unhealthy_then_past_offline_after_offline()
    {
        var index = new PoolShardIndex();
        foreach (var status in Enum.GetValues<DeviceStatus>())
        {
            index.Upsert(Summary(status.ToString(), status: status), T0);
        }

        Assert.Empty(index.Sweep(T0 + Liveness.UnhealthyAfter, Liveness)); // "older than": not at the limit itself

        var first = index.Sweep(T0 + Liveness.UnhealthyAfter + TimeSpan.FromTicks(1), Liveness);
        Assert.Equal(["Verifying", "Online", "Busy"], first.Select(s => s.Summary.Id));
        Assert.All(first, s => Assert.Equal((DeviceStatus.Unhealthy, 0, T0), (s.Summary.Status, s.Summary.GpusFree, s.LastSeen)));
        Assert.Empty(index.Sweep(T0 + Liveness.OfflineAfter, Liveness));

        var second = index.Sweep(T0 + Liveness.OfflineAfter + TimeSpan.FromTicks(1), Liveness);
        Assert.Equal(["Verifying", "Online", "Busy", "Unhealthy"], second.Select(s => s.Summary.Id));
        Assert.All(second, s => Assert.Equal(DeviceStatus.Offline, s.Summary.Status));

        Assert.Equal(
            new Dictionary<DeviceStatus, int>
            {
                [DeviceStatus.Registered] = 1, [DeviceStatus.Offline] = 5, [DeviceStatus.FailedVerification] = 1,
                [DeviceStatus.Paused] = 1, [DeviceStatus.Removed] = 1,
            },
            index.Counts().ByStatus);
    }

    [Fact]
    public void A_device_long_silent_goes_straight_to_offline()
    {
        var index = new PoolShardIndex();
        index.Upsert(Summary("a"), T0);

        var swept = index.Sweep(T0 + Liveness.OfflineAfter + TimeSpan.FromSeconds(1), Liveness);

        Assert.Equal(DeviceStatus.Offline, Assert.Single(swept).Summary.Status);
    }

    [Fact]
    public void A_touched_device_stays_online_and_touches_from_the_future_count_as_now()
    {
        var index = new PoolShardIndex();
        index.Upsert(Summary("touched"), T0);
        index.Upsert(Summary("future"), T0);
        index.Upsert(Summary("silent"), T0);

        index.Touch("touched", T0.AddSeconds(15), T0.AddSeconds(15));
        index.Touch("future", T0.AddHours(1), T0.AddSeconds(1)); // taken as T0 + 1 s, not an hour of life
        var swept = index.Sweep(T0.AddSeconds(30), Liveness);

        Assert.Equal(["future", "silent"], swept.Select(s => s.Summary.Id).Order());
        Assert.Equal(DeviceStatus.Online, index.Devices.Single(d => d.Id == "touched").Status);
    }

    [Fact]
    public void A_device_that_comes_back_online_starts_a_new_silence()
    {
        var index = new PoolShardIndex();
        index.Upsert(Summary("a"), T0);
        Assert.Single(index.Sweep(T0.AddSeconds(70), Liveness)); // Offline

        index.Upsert(Summary("a"), T0.AddSeconds(80)); // the device grain says Online again

        Assert.Empty(index.Sweep(T0.AddSeconds(99), Liveness));
        Assert.Equal(DeviceStatus.Unhealthy, Assert.Single(index.Sweep(T0.AddSeconds(101), Liveness)).Summary.Status);
    }

    [Fact]
    public void Loading_stored_summaries_starts_their_silence_at_load_time_and_is_not_a_change()
    {
        var index = new PoolShardIndex();
        index.Load([Summary("a"), Summary("b", status: DeviceStatus.Paused)], T0);

        Assert.Equal(0, index.Version);
        Assert.Equal(["a", "b"], index.Snapshot().Select(s => s.Id).Order());
        Assert.Empty(index.Sweep(T0.AddSeconds(20), Liveness));
        Assert.Single(index.Sweep(T0.AddSeconds(21), Liveness));
    }

    [Fact]
    public void Removing_drops_the_device_from_queries_and_counts()
    {
        var index = new PoolShardIndex();
        index.Upsert(Summary("a"), T0);
        index.Upsert(Summary("b"), T0);
        Assert.Equal(2, index.Counts().Total);

        Assert.True(index.Remove("a"));
        Assert.False(index.Remove("a"));

        Assert.Equal(1, index.Counts().Total);
        Assert.Equal(["b"], index.Query(new PoolQuery()).Items.Select(s => s.Id));
    }
}
