using Fabric.Devices;
using Orleans.Core.Internal;
using static Fabric.Tests.Pool.PoolSamples;

namespace Fabric.Tests.Pool;

/// <summary>
/// The pool over the real shards: summaries fed grain to grain (through <see cref="IPoolRelayGrain"/>), queried and
/// counted from a client. Each test owns its devices through a unique owner (or a shard of its own) so that devices of
/// other tests in the cluster never change what it sees.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PoolGrainTests(ClusterFixture fixture)
{
    /// <summary>Shard keys beyond the configured shards: no device hashes there, so a test owns the whole shard.</summary>
    private const long SweepShard = 1_000;
    private const long ReloadShard = 1_001;

    private IPoolGrain Pool => fixture.Grains.GetGrain<IPoolGrain>(0);

    private IPoolRelayGrain Relay => fixture.Grains.GetGrain<IPoolRelayGrain>(0);

    [Fact]
    public async Task Queries_filter_by_each_field()
    {
        var owner = NewOwner();
        var devices = new[]
        {
            Summary($"{owner}-a", owner),
            Summary($"{owner}-b", owner, model: "rtx 4090", region: "us", price: 900_000),
            Summary($"{owner}-c", owner, model: "A100", vramMib: 81_920, tier: DeviceTier.Unverified),
            Summary($"{owner}-d", owner, status: DeviceStatus.Busy, gpusFree: 0),
            Summary($"{owner}-e", owner, status: DeviceStatus.Offline, gpusFree: 0),
        };
        await Relay.UpsertAsync(devices);

        async Task<string[]> Ids(PoolQuery q) =>
            (await Pool.QueryAsync(q with { Owner = owner, Sort = PoolSort.Id })).Items.Select(d => d.Id[^1..]).ToArray();

        Assert.Equal(["a", "b", "c", "d", "e"], await Ids(new PoolQuery()));
        Assert.Equal(["a", "b", "d", "e"], await Ids(new PoolQuery { Models = ["Rtx 4090"] }));
        Assert.Equal(["c"], await Ids(new PoolQuery { MinVramMib = 30_000 }));
        Assert.Equal(["b"], await Ids(new PoolQuery { Region = "us" }));
        Assert.Equal(["a", "c", "d", "e"], await Ids(new PoolQuery { MaxPricePerHourBaseUnits = 450_000 }));
        Assert.Equal(["a", "b", "d", "e"], await Ids(new PoolQuery { VerifiedOnly = true }));
        Assert.Equal(["a", "b", "c"], await Ids(new PoolQuery { FreeOnly = true }));
        Assert.Equal(["d", "e"], await Ids(new PoolQuery { Statuses = [DeviceStatus.Busy, DeviceStatus.Offline] }));
        Assert.Equal(["a"], await Ids(new PoolQuery { Models = ["RTX 4090"], Region = "eu", FreeOnly = true, VerifiedOnly = true }));
    }

    [Fact]
    public async Task Queries_sort_by_price_and_by_tier_with_the_id_breaking_ties()
    {
        var owner = NewOwner();
        await Relay.UpsertAsync(
        [
            Summary($"{owner}-z", owner, price: 100, tier: DeviceTier.Low),
            Summary($"{owner}-y", owner, price: 100, tier: DeviceTier.High),
            Summary($"{owner}-x", owner, price: 50, tier: DeviceTier.Low),
            Summary($"{owner}-w", owner, price: 100, tier: DeviceTier.High),
        ]);

        async Task<string> Order(PoolSort sort) =>
            string.Concat((await Pool.QueryAsync(new PoolQuery { Owner = owner, Sort = sort })).Items.Select(d => d.Id[^1..]));

        Assert.Equal("xwyz", await Order(PoolSort.Price));
        Assert.Equal("wyxz", await Order(PoolSort.Tier));
        Assert.Equal("wxyz", await Order(PoolSort.Id));
    }

    [Fact]
    public async Task Consecutive_pages_make_up_the_longer_page_and_carry_the_total()
    {
        var owner = NewOwner();
        await Relay.UpsertAsync(Enumerable.Range(0, 25)
            .Select(i => Summary($"{owner}-{i:D2}", owner, price: i % 4 * 1000, tier: (DeviceTier)(i % 5)))
            .ToList());
        var query = new PoolQuery { Owner = owner, Take = 10 };

        var first = await Pool.QueryAsync(query);
        var second = await Pool.QueryAsync(query with { Skip = 10 });
        var both = await Pool.QueryAsync(query with { Take = 20 });
        var last = await Pool.QueryAsync(query with { Skip = 20 });

        Assert.Equal(both.Items, first.Items.Concat(second.Items));
        Assert.Equal(5, last.Items.Count);
        Assert.All([first, second, both, last], p => Assert.Equal(25, p.Total));
        Assert.Empty((await Pool.QueryAsync(query with { Skip = 25 })).Items);
    }

    [Fact]
    public async Task Bad_queries_are_refused_by_the_pool_and_by_a_shard()
    {
        var pool = await Assert.ThrowsAsync<FabricRejectedException>(() => Pool.QueryAsync(new PoolQuery { Take = 1001 }));
        var shard = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            fixture.Grains.GetGrain<IPoolShardGrain>(0).QueryAsync(new PoolQuery { Models = Enumerable.Range(0, 33).Select(i => $"m{i}").ToList() }));
        var count = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            fixture.Grains.GetGrain<IPoolShardGrain>(0).CountAsync(new PoolQuery { Skip = -1 }));

        Assert.Contains("Take must be between 1 and 1000", pool.Message, StringComparison.Ordinal);
        Assert.Contains("At most 32 models", shard.Message, StringComparison.Ordinal);
        Assert.Contains("Skip must not be negative", count.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clients_cannot_change_a_shard()
    {
        var shard = fixture.Grains.GetGrain<IPoolShardGrain>(0);

        await Assert.ThrowsAsync<FabricRejectedException>(() => shard.UpsertAsync(Summary("client-made", NewOwner())));
        await Assert.ThrowsAsync<FabricRejectedException>(() => shard.RemoveAsync("anything"));
        await Assert.ThrowsAsync<FabricRejectedException>(() => shard.SweepAsync());
    }

    [Fact]
    public async Task Counts_grow_by_exactly_the_devices_added_and_shrink_when_they_are_removed()
    {
        var owner = NewOwner();
        var model = $"Model {owner}";
        var region = $"r-{Guid.NewGuid():N}"[..20];
        var devices = Enumerable.Range(0, 7)
            .Select(i => Summary($"{owner}-{i}", owner, model: model, region: region, simulated: i < 3))
            .ToList();
        var before = await Pool.CountsAsync();

        await Relay.UpsertAsync(devices);
        var during = await Pool.CountsAsync();
        await Relay.RemoveAsync(devices.Select(d => d.Id).ToList());
        var after = await Pool.CountsAsync();

        Assert.Equal(before.Total + 7, during.Total);
        Assert.Equal(before.Simulated + 3, during.Simulated);
        Assert.Equal(7, during.ByModel[model]);
        Assert.Equal(7, during.ByRegion[region]);
        Assert.Equal(7, during.ByStatus[DeviceStatus.Online] - before.ByStatus.GetValueOrDefault(DeviceStatus.Online));
        Assert.Equal((before.Total, before.Simulated), (after.Total, after.Simulated));
        Assert.False(after.ByModel.ContainsKey(model));
        Assert.Equal(0, (await Pool.QueryAsync(new PoolQuery { Owner = owner })).Total);
    }

    [Fact]
    public async Task A_sweep_takes_silent_devices_unhealthy_then_offline_and_spares_touched_ones()
    {
        var owner = NewOwner();
        var pool = ClusterFixture.Pool;
        var shard = fixture.Grains.GetGrain<IPoolShardGrain>(SweepShard);
        await Relay.UpsertToAsync(SweepShard,
        [
            Summary($"{owner}-online", owner),
            Summary($"{owner}-busy", owner, status: DeviceStatus.Busy, gpusFree: 0),
            Summary($"{owner}-verifying", owner, status: DeviceStatus.Verifying, gpusFree: 0),
            Summary($"{owner}-touched", owner),
            Summary($"{owner}-paused", owner, status: DeviceStatus.Paused, gpusFree: 0),
        ]);
        var start = ClusterFixture.Clock.GetUtcNow();

        async Task<Dictionary<string, (DeviceStatus, int)>> Statuses() =>
            (await shard.QueryAsync(new PoolQuery { Owner = owner })).Items.ToDictionary(d => d.Id[(owner.Length + 1)..], d => (d.Status, d.GpusFree));

        ClusterFixture.Clock.Advance(pool.UnhealthyAfter + TimeSpan.FromSeconds(1));
        await Relay.TouchAsync(SweepShard, Summary($"{owner}-touched", owner), ClusterFixture.Clock.GetUtcNow());
        Assert.Equal(3, await Relay.SweepAsync(SweepShard));
        Assert.Equal(new Dictionary<string, (DeviceStatus, int)>
        {
            ["online"] = (DeviceStatus.Unhealthy, 0),
            ["busy"] = (DeviceStatus.Unhealthy, 0),
            ["verifying"] = (DeviceStatus.Unhealthy, 0),
            ["touched"] = (DeviceStatus.Online, 1),
            ["paused"] = (DeviceStatus.Paused, 0),
        }, await Statuses());

        ClusterFixture.Clock.Advance(start + pool.OfflineAfter + TimeSpan.FromSeconds(1) - ClusterFixture.Clock.GetUtcNow());
        await Relay.TouchAsync(SweepShard, Summary($"{owner}-touched", owner), ClusterFixture.Clock.GetUtcNow());
        Assert.Equal(3, await Relay.SweepAsync(SweepShard));
        Assert.Equal(0, await Relay.SweepAsync(SweepShard));
        Assert.Equal(new Dictionary<string, (DeviceStatus, int)>
        {
            ["online"] = (DeviceStatus.Offline, 0),
            ["busy"] = (DeviceStatus.Offline, 0),
            ["verifying"] = (DeviceStatus.Offline, 0),
            ["touched"] = (DeviceStatus.Online, 1),
            ["paused"] = (DeviceStatus.Paused, 0),
        }, await Statuses());
    }

    [Fact]
    public async Task A_shard_reactivated_from_storage_still_holds_its_devices()
    {
        var owner = NewOwner();
        var devices = Enumerable.Range(0, 3).Select(i => Summary($"{owner}-{i}", owner, price: i)).ToList();
        var shard = fixture.Grains.GetGrain<IPoolShardGrain>(ReloadShard);
        await Relay.UpsertToAsync(ReloadShard, devices);

        await shard.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var reloaded = await shard.QueryAsync(new PoolQuery { Owner = owner });

        Assert.Equal(devices, reloaded.Items);
    }
}
