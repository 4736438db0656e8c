using Fabric.Buyback;
using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Money;
using Fabric.Tests.Devices;
using Fabric.Tests.Pool;
using Fabric.Tests.Staking;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Tests.Rentals;

[Collection(ClusterCollection.Name)]
public sealed class ClusterPlacementTests(ClusterFixture fixture)
{
    private readonly RentalTestKit _kit = new(fixture);

    [Fact]
    public async Task Deploy_escrows_the_budget_and_places_every_rank_on_its_own_verified_device()
    {
        var model = RentalTestKit.UniqueModel();
        var devices = await _kit.OnlineAsync(model, 3);
        var renter = await _kit.Ledger.FundedAsync(iosd: 10_000_000);
        var id = RentalTestKit.NewId("c");

        var deployed = await _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renter, id, gpus: 2, model, hours: 2, maxPrice: 500_000));
        var running = await _kit.WaitForAsync(id, c => c.Status == ClusterStatus.Running, "Running");

        // 2 GPUs × 2 h × 0.5 IOSD, plus the 2% IOSD payment fee.
        Assert.Equal(2_040_000, deployed.Held);
        Assert.Equal((10_000_000 - 2_040_000, 2_040_000), await _kit.Ledger.BalanceAsync(renter, Token.IOSD));
        Assert.Equal([0, 1], running.Members.Select(m => m.Rank));
        Assert.Equal(2, running.Members.Select(m => m.DeviceId).Distinct().Count());
        Assert.All(running.Members, m => Assert.Contains(m.DeviceId, devices.Select(d => d.Id)));
        Assert.Equal(running.PlacedAt + TimeSpan.FromHours(2), running.EndsAt);
        foreach (var member in running.Members)
        {
            Assert.Equal(DeviceStatus.Busy, (await devices.Single(d => d.Id == member.DeviceId).Grain.GetAsync())!.Status);
        }

        var report = await _kit.Cluster(id).ExplainAsync();
        Assert.NotNull(report);
        Assert.Equal(2, report.Candidates.Count(c => c.Outcome.StartsWith("chosen", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Deploy_answers_with_the_cluster_running_when_it_is_next_in_line_and_capacity_is_free()
    {
        var model = RentalTestKit.UniqueModel();
        var devices = await _kit.OnlineAsync(model, 1);
        var renter = await _kit.Ledger.FundedAsync(iosd: 10_000_000);
        var id = RentalTestKit.NewId("c");

        var deployed = await _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renter, id, gpus: 1, model, hours: 1, maxPrice: 500_000));

        // Placed within the deploy call: no wait, and the scheduler holds no entry or slot for it afterwards.
        Assert.Equal(ClusterStatus.Running, deployed.Status);
        Assert.Equal(devices[0].Id, Assert.Single(deployed.Members).DeviceId);
        Assert.Equal(DeviceStatus.Busy, (await devices[0].Grain.GetAsync())!.Status);
        var queue = await fixture.Grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.NetworkKey).ViewAsync(1000);
        Assert.DoesNotContain(queue.Next, e => e.ClusterId == id);
        Assert.Equal(-1, await fixture.Grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.NetworkKey).PositionAsync(id));
    }

    [Fact]
    public async Task A_placement_refused_by_its_device_tries_again_after_backoff_within_the_deploy()
    {
        var model = RentalTestKit.UniqueModel();
        await _kit.OnlineAsync(model, 1);
        var first = await _kit.Ledger.FundedAsync(iosd: 10_000_000);
        var taken = RentalTestKit.NewId("c");
        Assert.Equal(ClusterStatus.Running, (await _kit.Cluster(taken).DeployAsync(RentalTestKit.Deploy(first, taken, gpus: 1, model, hours: 1, maxPrice: 500_000))).Status);
        // The pool still shows the device free, as if its update were lost: every try picks it and the device refuses.
        var rented = Assert.Single((await fixture.Grains.GetGrain<IPoolGrain>(0).QueryAsync(new PoolQuery { Models = [model] })).Items);
        await fixture.Grains.GetGrain<IPoolRelayGrain>(0).UpsertAsync([rented with { Status = DeviceStatus.Online, GpusFree = 1 }]);
        var second = await _kit.Ledger.FundedAsync(iosd: 10_000_000);
        var id = RentalTestKit.NewId("c");

        var deployed = await _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(second, id, gpus: 1, model, hours: 1, maxPrice: 500_000));

        // Every try ran within the deploy, each after its backoff back on the cluster's own turn, and each was refused.
        var report = await _kit.Cluster(id).ExplainAsync();
        Assert.Equal(ClusterStatus.Queued, deployed.Status);
        Assert.NotNull(report);
        Assert.Equal(new RentalOptions().PlacementAttempts, report.Attempts);
        Assert.StartsWith($"reserve refused: rented to cluster {taken}", report.Candidates.Single(c => c.DeviceId == rented.Id).Outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admission_never_reported_gives_its_slot_back_after_a_lease_lifetime()
    {
        var scheduler = fixture.Grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.NetworkKey);
        var ghost = RentalTestKit.NewId("c");
        var entry = new QueueEntry
        {
            ClusterId = ghost, Renter = "renter-whose-silo-died", Priority = Priority.Normal, QueuedAt = ClusterFixture.Clock.GetUtcNow(), Cheap = false, Gpus = 1,
        };

        Assert.True(await fixture.Grains.GetGrain<ISchedulerRelayGrain>(0).AdmitAsync(entry));
        Assert.True((await scheduler.ViewAsync(0)).Placing >= 1);
        Assert.NotEqual(-1, await scheduler.PositionAsync(ghost));

        // The admitted cluster never reports. Once a lease's lifetime has passed, the scheduler's next tick takes the
        // slot back and tries the entry itself; the cluster (never stored) has nothing to place, so the entry leaves.
        ClusterFixture.Clock.Advance(new RentalOptions().LeaseTtl + TimeSpan.FromSeconds(1));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (await scheduler.PositionAsync(ghost) != -1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(-1, await scheduler.PositionAsync(ghost));
    }

    [Fact]
    public async Task Settlement_pays_exactly_the_hours_used_times_the_price_and_returns_the_rest()
    {
        var model = RentalTestKit.UniqueModel();
        var devices = await _kit.OnlineAsync(model, 1, price: 450_000);
        var renter = await _kit.Ledger.FundedAsync(iosd: 10_000_000);
        var treasury = await _kit.Ledger.BalanceAsync(ClusterFixture.Treasury, Token.IOSD);
        var id = RentalTestKit.NewId("c");
        await _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renter, id, gpus: 1, model, hours: 3, maxPrice: 500_000));
        await _kit.WaitForAsync(id, c => c.Status == ClusterStatus.Running, "Running");

        ClusterFixture.Clock.Advance(TimeSpan.FromHours(2));
        var released = await _kit.Cluster(id).ChangeAsync(RentalTestKit.Change(renter, RentalOperations.Release, id));

        // 2 h × 450,000 = 900,000 to the supplier (less the 0.25% booking fee); 2% payment fee on top from the renter.
        Assert.Equal(ClusterStatus.Released, released.Status);
        Assert.Equal(900_000, released.Paid);
        Assert.Equal(18_000, released.Fees);
        Assert.Equal((10_000_000 - 918_000, 0), await _kit.Ledger.BalanceAsync(renter, Token.IOSD));
        Assert.Equal((900_000 - 2_250, 0), await _kit.Ledger.BalanceAsync(devices[0].Owner, Token.IOSD));
        Assert.Equal(treasury.Available + 18_000 + 2_250, (await _kit.Ledger.BalanceAsync(ClusterFixture.Treasury, Token.IOSD)).Available);
        Assert.Equal(DeviceStatus.Online, (await devices[0].Grain.GetAsync())!.Status);
        Assert.True((await _kit.Ledger.Ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Paying_in_io_converts_at_the_oracles_price_and_costs_no_payment_fee()
    {
        await PriceFeedTests.SetAsync(fixture.Grains.GetGrain<IPriceFeedGrain>(IPriceFeedGrain.NetworkKey), 2_500_000);

        // The oracle's price moves after deploy: the cluster keeps the one it escrowed at.
        var (held, released, owner) = await RentOneHourInIoAsync(whileRunning: () =>
            PriceFeedTests.SetAsync(fixture.Grains.GetGrain<IPriceFeedGrain>(IPriceFeedGrain.NetworkKey), 2_600_000));

        // 1 IOSD at 2.5 USD per IO is 0.4 IO = 40,000,000 base units; the escrow rounds up by one unit.
        Assert.Equal(40_000_001, held);
        Assert.Equal((40_000_000, 0L), (released.Paid, released.Fees));
        Assert.Equal(40_000_000 - 100_000, owner);
    }

    [Fact]
    public async Task A_release_after_the_paid_hours_charges_only_the_paid_hours()
    {
        var model = RentalTestKit.UniqueModel();
        await _kit.OnlineAsync(model, 1, price: 1_000_000);
        var renter = await _kit.Ledger.FundedAsync(iosd: 10_000_000);
        var id = RentalTestKit.NewId("c");
        await _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renter, id, gpus: 1, model, hours: 1, maxPrice: 1_000_000));
        var placed = await _kit.WaitForAsync(id, c => c.Status == ClusterStatus.Running, "Running");

        // The hour ran out 30 s ago; the renter releases before the minute reminder expires the cluster.
        ClusterFixture.Clock.Advance(placed.EndsAt!.Value - ClusterFixture.Clock.GetUtcNow() + TimeSpan.FromSeconds(30));
        var released = await _kit.Cluster(id).ChangeAsync(RentalTestKit.Change(renter, RentalOperations.Release, id));

        Assert.Equal(ClusterStatus.Released, released.Status);
        Assert.Equal(placed.EndsAt, released.EndedAt);
        Assert.Equal(1_020_000, released.Paid + released.Fees); // one hour at 1 IOSD and its 2% fee; nothing for the 30 s
        Assert.Equal((10_000_000 - 1_020_000, 0), await _kit.Ledger.BalanceAsync(renter, Token.IOSD));
    }

    [Fact]
    public async Task Paying_in_io_without_a_fresh_oracle_price_converts_at_the_configured_price()
    {
        // Whatever price an earlier test fed is more than an hour old now.
        ClusterFixture.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));

        var (held, released, owner) = await RentOneHourInIoAsync(whileRunning: () => Task.CompletedTask);

        // 1 IOSD at 2 USD per IO is 0.5 IO = 50,000,000 base units; the escrow rounds up by one unit.
        Assert.Equal(50_000_001, held);
        Assert.Equal((50_000_000, 0L), (released.Paid, released.Fees));
        Assert.Equal(50_000_000 - 125_000, owner);
    }

    /// <summary>One GPU at 1 IOSD/h, paid in IO, run for an hour and released: the escrow, the end, the owner's IO.</summary>
    private async Task<(long Held, ClusterDetails Released, long OwnerIo)> RentOneHourInIoAsync(Func<Task> whileRunning)
    {
        var model = RentalTestKit.UniqueModel();
        var devices = await _kit.OnlineAsync(model, 1, price: 1_000_000);
        var renter = await _kit.Ledger.FundedAsync(io: 1_000_000_000);
        var id = RentalTestKit.NewId("c");
        var deployed = await _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renter, id, gpus: 1, model, hours: 1, maxPrice: 1_000_000, pay: Token.IO));
        await _kit.WaitForAsync(id, c => c.Status == ClusterStatus.Running, "Running");
        await whileRunning();
        ClusterFixture.Clock.Advance(TimeSpan.FromHours(1));
        var released = await _kit.Cluster(id).ChangeAsync(RentalTestKit.Change(renter, RentalOperations.Release, id));
        return (deployed.Held, released, (await _kit.Ledger.BalanceAsync(devices[0].Owner, Token.IO)).Available);
    }

    [Fact]
    public async Task A_renter_who_cannot_pay_gets_a_clear_error_and_nothing_is_held_or_placed()
    {
        var model = RentalTestKit.UniqueModel();
        var devices = await _kit.OnlineAsync(model, 1);
        var renter = await _kit.Ledger.FundedAsync(iosd: 100);
        var id = RentalTestKit.NewId("c");

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renter, id, gpus: 1, model, hours: 1, maxPrice: 500_000)));

        Assert.Contains("Insufficient funds", error.Message, StringComparison.Ordinal);
        Assert.Null(await _kit.Cluster(id).GetAsync());
        Assert.Equal((100, 0), await _kit.Ledger.BalanceAsync(renter, Token.IOSD));
        Assert.Equal(DeviceStatus.Online, (await devices[0].Grain.GetAsync())!.Status);
    }

    public static TheoryData<string, int, string, string> Impossible => new()
    {
        { "too-many", 1_000, "", "The network has only" },
        { "unknown-model", 1, "Quantum GPU 9000", "No GPU on the network matches" },
        { "no-gpus", 0, "", "GPUs must be 1 to" },
        { "bad-priority", 1, "", "Unknown priority" },
    };

    [Theory]
    [MemberData(nameof(Impossible))]
    public async Task Impossible_requests_are_refused_before_anything_is_held(string kind, int gpus, string otherModel, string message)
    {
        var model = RentalTestKit.UniqueModel();
        await _kit.OnlineAsync(model, 1);
        var renter = await _kit.Ledger.FundedAsync(iosd: 1_000_000_000);
        var id = RentalTestKit.NewId("c");
        var request = RentalTestKit.Deploy(renter, id, gpus, otherModel.Length > 0 ? otherModel : model, hours: 1, maxPrice: 500_000,
            priority: kind == "bad-priority" ? "asap" : "normal");

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Cluster(id).DeployAsync(request));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Null(await _kit.Cluster(id).GetAsync());
        Assert.Equal((1_000_000_000, 0), await _kit.Ledger.BalanceAsync(renter, Token.IOSD));
    }

    [Fact]
    public async Task Only_the_renter_may_release_extend_or_rate_and_a_replay_changes_nothing()
    {
        var model = RentalTestKit.UniqueModel();
        await _kit.OnlineAsync(model, 1);
        var renter = await _kit.Ledger.FundedAsync(iosd: 10_000_000);
        var id = RentalTestKit.NewId("c");
        await _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renter, id, gpus: 1, model, hours: 1, maxPrice: 500_000));
        await _kit.WaitForAsync(id, c => c.Status == ClusterStatus.Running, "Running");
        var mallory = Keypair.Generate();

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.Cluster(id).ChangeAsync(RentalTestKit.Change(mallory, RentalOperations.Release, id)));
        Assert.Contains("only", error.Message, StringComparison.Ordinal);
        Assert.Equal(ClusterStatus.Running, (await _kit.Cluster(id).GetAsync())!.Status);

        var extend = RentalTestKit.Change(renter, RentalOperations.Extend, id, 2);
        var extended = await _kit.Cluster(id).ChangeAsync(extend);
        Assert.Equal(3, extended.Spec.Hours);
        Assert.Equal(510_000 * 3, extended.Held);
        var replay = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Cluster(id).ChangeAsync(extend));
        Assert.Contains("already applied", replay.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await _kit.Cluster(id).GetAsync())!.Spec.Hours);
    }

    [Fact]
    public async Task Concurrent_requests_never_reserve_a_device_twice_and_waiting_ones_get_freed_capacity()
    {
        var model = RentalTestKit.UniqueModel();
        var devices = await _kit.OnlineAsync(model, 5);
        var renters = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _kit.Ledger.FundedAsync(iosd: 100_000_000)));
        var ids = Enumerable.Range(0, 16).Select(i => RentalTestKit.NewId($"c{i}")).ToList();

        await Task.WhenAll(ids.Select((id, i) =>
            _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renters[i % renters.Length], id, gpus: 1, model, hours: 1, maxPrice: 500_000))));
        await WaitForRunningAsync(ids, 5);

        var clusters = await Task.WhenAll(ids.Select(id => _kit.Cluster(id).GetAsync()));
        var running = clusters.Where(c => c!.Status == ClusterStatus.Running).ToList();
        var held = running.SelectMany(c => c!.Members.Select(m => m.DeviceId)).ToList();
        Assert.Equal(5, held.Count);
        Assert.Equal(5, held.Distinct().Count());
        Assert.All(clusters.Where(c => c!.Status == ClusterStatus.Queued), c => Assert.Empty(c!.Members));

        var freed = running[0]!;
        await _kit.Cluster(freed.Id).ChangeAsync(RentalTestKit.Change(renters.Single(r => r.Address.ToString() == freed.Renter), RentalOperations.Release, freed.Id));
        await WaitForRunningAsync(ids, 5);
        clusters = await Task.WhenAll(ids.Select(id => _kit.Cluster(id).GetAsync()));
        held = [.. clusters.Where(c => c!.Status == ClusterStatus.Running).SelectMany(c => c!.Members.Select(m => m.DeviceId))];
        Assert.Equal(5, held.Distinct().Count());
        Assert.Equal(5, held.Count);
        Assert.All(devices, d => Assert.Contains(d.Id, held));
    }

    [Fact]
    public async Task A_gang_is_placed_whole_or_not_at_all()
    {
        var model = RentalTestKit.UniqueModel();
        await _kit.OnlineAsync(model, 7);
        var renter = await _kit.Ledger.FundedAsync(iosd: 100_000_000);
        var ids = Enumerable.Range(0, 4).Select(i => RentalTestKit.NewId($"g{i}")).ToList();

        await Task.WhenAll(ids.Select(id =>
            _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renter, id, gpus: 3, model, hours: 1, maxPrice: 500_000))));
        await WaitForRunningAsync(ids, 2);

        var clusters = await Task.WhenAll(ids.Select(id => _kit.Cluster(id).GetAsync()));
        Assert.Equal(2, clusters.Count(c => c!.Status == ClusterStatus.Running));
        Assert.All(clusters, c => Assert.True(c!.Members.Count is 0 or 3, $"{c.Id} holds {c.Members.Count} of 3"));
        Assert.Equal(6, clusters.SelectMany(c => c!.Members).Select(m => m.DeviceId).Distinct().Count());
    }

    /// <summary>Two online devices at 0.45 IOSD/h of a fresh model and a 4-hour one-GPU cluster running on one of them.</summary>
    private async Task<(Keypair Renter, string ClusterId, Clusters.ClusterMember First, OnlineDevice Placed, OnlineDevice Spare)> OneGpuClusterOnOneOfTwoAsync()
    {
        var model = RentalTestKit.UniqueModel();
        var devices = await _kit.OnlineAsync(model, 2, price: 450_000);
        var renter = await _kit.Ledger.FundedAsync(iosd: 100_000_000);
        var id = RentalTestKit.NewId("c");
        await _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renter, id, gpus: 1, model, hours: 4, maxPrice: 500_000));
        var first = (await _kit.WaitForAsync(id, c => c.Status == ClusterStatus.Running, "Running")).Members.Single();
        return (renter, id, first, devices.Single(d => d.Id == first.DeviceId), devices.Single(d => d.Id != first.DeviceId));
    }

    [Fact]
    public async Task A_device_that_goes_offline_is_replaced_and_its_lost_time_is_not_charged()
    {
        var (renter, id, first, lost, spare) = await OneGpuClusterOnOneOfTwoAsync();

        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(2));
        await _kit.BeatAsync([spare]);
        await fixture.Grains.GetGrain<IDeviceRelayGrain>(0).MarkSilentAsync(lost.Id, DeviceStatus.Offline, first.Since);
        var moved = await _kit.WaitForAsync(id, c => c.Members.Count == 1 && c.Members[0].DeviceId == spare.Id, "its rank re-placed");

        Assert.Equal(ClusterStatus.Running, moved.Status);
        var past = Assert.Single(moved.PastMembers);
        Assert.Equal(lost.Id, past.DeviceId);
        Assert.True(past.Until <= first.Since + TimeSpan.FromSeconds(1), "the lost device is charged only until it was last heard from");

        ClusterFixture.Clock.Advance(TimeSpan.FromHours(1));
        var released = await _kit.Cluster(id).ChangeAsync(RentalTestKit.Change(renter, RentalOperations.Release, id));
        Assert.Equal(450_000, released.Paid);
        Assert.Equal(0, (await _kit.Ledger.BalanceAsync(lost.Owner, Token.IOSD)).Available);
        Assert.Equal(450_000 - 1_125, (await _kit.Ledger.BalanceAsync(spare.Owner, Token.IOSD)).Available);
    }

    [Fact]
    public async Task A_device_whose_worker_signs_off_is_replaced_at_once_and_charged_only_until_then()
    {
        var (renter, id, _, leaving, spare) = await OneGpuClusterOnOneOfTwoAsync();
        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(2));
        await _kit.BeatAsync([leaving, spare]);
        var stoppedAt = ClusterFixture.Clock.GetUtcNow();

        // Another session (a stale worker, a stranger who guessed the device id) cannot take it offline.
        await Assert.ThrowsAsync<FabricRejectedException>(() => leaving.Grain.SignOffAsync(Guid.NewGuid()));
        Assert.Equal(DeviceStatus.Busy, (await leaving.Grain.GetAsync())!.Status);

        // No silence to wait for: the rank moves as soon as the worker says it is stopping.
        await leaving.Grain.SignOffAsync(leaving.Session);
        var moved = await _kit.WaitForAsync(id, c => c.Members.Count == 1 && c.Members[0].DeviceId == spare.Id, "its rank re-placed");

        var device = (await leaving.Grain.GetAsync())!;
        Assert.Equal(DeviceStatus.Offline, device.Status);
        Assert.Equal(ClusterStatus.Running, moved.Status);
        var past = Assert.Single(moved.PastMembers);
        Assert.Equal(leaving.Id, past.DeviceId);
        Assert.Equal(stoppedAt, past.Until);
        Assert.Contains("worker stopped", past.EndReason, StringComparison.Ordinal);

        // Ended here: a cluster left running would settle, and pay fees, in the hours later tests check.
        await _kit.Cluster(id).ChangeAsync(RentalTestKit.Change(renter, RentalOperations.Release, id));
    }

    [Fact]
    public async Task A_cluster_takes_back_a_device_it_lost_once_it_is_back_when_nothing_else_matches()
    {
        var model = RentalTestKit.UniqueModel();
        var device = (await _kit.OnlineAsync(model, 1))[0];
        var renter = await _kit.Ledger.FundedAsync(iosd: 100_000_000);
        var id = RentalTestKit.NewId("c");
        await _kit.Cluster(id).DeployAsync(RentalTestKit.Deploy(renter, id, gpus: 1, model, hours: 1, maxPrice: 500_000));
        await _kit.WaitForAsync(id, c => c.Status == ClusterStatus.Running, "Running");

        await device.Grain.SignOffAsync(device.Session);
        var waiting = await _kit.WaitForAsync(id, c => c.Members.Count == 0 && c.Reason.StartsWith("re-placing", StringComparison.Ordinal), "its rank lost");
        Assert.EndsWith("0 of 1 GPU(s) free that match " + model + ", any region, ≤ 0.5 IOSD/h", waiting.Reason, StringComparison.Ordinal);

        // The worker restarts: the device is Online again and is the only match, so the cluster waits no longer.
        var back = await device.Grain.ConnectAsync(DeviceTestKit.Ref(device.Owner, DeviceOperations.Connect, device.Id));
        Assert.Equal(DeviceStatus.Online, back.Status);
        var running = await _kit.WaitForAsync(id, c => c.Members.Count == 1, "its rank placed again");

        Assert.Equal(device.Id, running.Members[0].DeviceId);
        Assert.Equal(ClusterStatus.Running, running.Status);
        Assert.Equal(device.Id, Assert.Single(running.PastMembers).DeviceId);
        Assert.Equal(DeviceStatus.Busy, (await device.Grain.GetAsync())!.Status);
        var chosen = Assert.Single((await _kit.Cluster(id).ExplainAsync())!.Candidates);
        Assert.StartsWith("chosen for rank 0 (lost by this cluster earlier", chosen.Outcome, StringComparison.Ordinal);
        await _kit.Cluster(id).ChangeAsync(RentalTestKit.Change(renter, RentalOperations.Release, id));
    }

    [Fact]
    public async Task A_lease_never_committed_expires_and_frees_the_device_for_another_cluster()
    {
        var device = (await _kit.OnlineAsync(RentalTestKit.UniqueModel(), 1))[0];
        var relay = fixture.Grains.GetGrain<IDeviceRelayGrain>(0);
        var ttl = TimeSpan.FromSeconds(30);

        var first = await relay.ReserveAsync(device.Id, "cluster-a", ttl);
        var meanwhile = await relay.ReserveAsync(device.Id, "cluster-b", ttl);
        var free = await fixture.Grains.GetGrain<IPoolGrain>(0).QueryAsync(new PoolQuery { Owner = device.Owner.Address.ToString(), FreeOnly = true });

        Assert.True(first.Granted);
        Assert.False(meanwhile.Granted);
        Assert.Equal("reserved by another cluster", meanwhile.Refusal);
        Assert.Equal(0, free.Total); // the pool stops offering a reserved device at once

        ClusterFixture.Clock.Advance(ttl + TimeSpan.FromSeconds(1));
        var second = await relay.ReserveAsync(device.Id, "cluster-b", ttl);

        Assert.True(second.Granted, second.Refusal);
        Assert.False(await relay.CommitAsync(device.Id, first.LeaseId)); // the expired lease cannot be committed
        Assert.True(await relay.CommitAsync(device.Id, second.LeaseId));
        Assert.Equal(DeviceStatus.Busy, (await device.Grain.GetAsync())!.Status);
    }

    [Fact]
    public async Task A_claim_respects_another_clusters_lease_and_a_claimed_device_is_rented_to_one_cluster_only()
    {
        var device = (await _kit.OnlineAsync(RentalTestKit.UniqueModel(), 1))[0];
        var relay = fixture.Grains.GetGrain<IDeviceRelayGrain>(0);
        var lease = await relay.ReserveAsync(device.Id, "gang-a", TimeSpan.FromSeconds(30));

        var whileLeased = await relay.ClaimAsync(device.Id, "single-b");
        Assert.True(lease.Granted);
        Assert.False(whileLeased.Granted);
        Assert.Equal("reserved by another cluster", whileLeased.Refusal);

        ClusterFixture.Clock.Advance(TimeSpan.FromSeconds(31));
        var claimed = await relay.ClaimAsync(device.Id, "single-b");
        var afterwards = await Task.WhenAll(relay.ClaimAsync(device.Id, "single-c"), relay.ReserveAsync(device.Id, "gang-d", TimeSpan.FromSeconds(30)));

        Assert.True(claimed.Granted, claimed.Refusal);
        Assert.Equal(DeviceStatus.Busy, (await device.Grain.GetAsync())!.Status);
        Assert.False(await relay.CommitAsync(device.Id, lease.LeaseId)); // the old lease is gone with the rental
        Assert.All(afterwards, reply => Assert.Equal("rented to cluster single-b", reply.Refusal));
    }

    [Fact]
    public async Task A_lease_left_alone_gives_the_device_back_to_the_pool_when_it_times_out_every_time()
    {
        // The lease's real-time timer, not the Fabric clock, is what puts an abandoned device back on offer (the
        // cluster that took it may have died): one timer per device, re-armed by each lease.
        var device = (await _kit.OnlineAsync(RentalTestKit.UniqueModel(), 1))[0];
        var relay = fixture.Grains.GetGrain<IDeviceRelayGrain>(0);
        var pool = fixture.Grains.GetGrain<IPoolGrain>(0);
        var mine = new PoolQuery { Owner = device.Owner.Address.ToString(), FreeOnly = true };

        foreach (var cluster in new[] { "abandoned-1", "abandoned-2" })
        {
            Assert.True((await relay.ReserveAsync(device.Id, cluster, TimeSpan.FromMilliseconds(300))).Granted);
            Assert.Equal(0, (await pool.QueryAsync(mine)).Total);

            var waited = System.Diagnostics.Stopwatch.StartNew();
            while ((await pool.QueryAsync(mine)).Total == 0)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), $"the device leased to {cluster} was not offered again");
                await Task.Delay(50);
            }
        }
    }

    private async Task WaitForRunningAsync(IReadOnlyList<string> ids, int expected)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var clusters = await Task.WhenAll(ids.Select(id => _kit.Cluster(id).GetAsync()));
            var running = clusters.Count(c => c!.Status == ClusterStatus.Running);
            if (running == expected)
            {
                // Let in-flight placements finish: none may add a sixth.
                var queue = await fixture.Grains.GetGrain<ISchedulerGrain>(ISchedulerGrain.NetworkKey).ViewAsync(0);
                if (queue.Placing == 0)
                {
                    return;
                }
            }

            Assert.True(running <= expected, $"{running} clusters running, more than the {expected} that fit");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"only {running} of {expected} clusters placed");
            await Task.Delay(20);
        }
    }
}
