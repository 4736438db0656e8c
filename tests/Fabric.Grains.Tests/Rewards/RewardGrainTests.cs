using Fabric.Devices;
using Fabric.Economy;
using Fabric.Governance;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Rewards;
using Fabric.Tests.Devices;
using Fabric.Tests.Governance;
using Fabric.Tests.Ledger;
using Fabric.Tests.Pool;
using Fabric.Tests.Staking;
using Fabric.Wallet;

namespace Fabric.Tests.Rewards;

/// <summary>
/// The reward grain on the real ledger and pool shards: each closed hour is minted once, in full, in proportion to
/// verified uptime, across repeated runs, a run stopped half-way, and downtime.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RewardGrainTests(ClusterFixture fixture)
{
    private static readonly EmissionSchedule Schedule = EmissionSchedule.Create(new EmissionOptions());
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(15);

    private readonly DeviceTestKit _devices = new(fixture);
    private readonly LedgerTestKit _ledger = new(fixture);
    private readonly GovernanceTestKit _governance = new(fixture);

    private static DateTimeOffset Now => ClusterFixture.Clock.GetUtcNow();

    private IRewardRelayGrain Relay(int key = 0) => fixture.Grains.GetGrain<IRewardRelayGrain>(key);

    private IRewardGrain Stream(string stream) => fixture.Grains.GetGrain<IRewardGrain>(stream);

    [Fact]
    public async Task An_epoch_is_minted_once_even_when_the_run_is_repeated()
    {
        var (stream, hour) = await FreshHourAsync();
        var a = await OnlineAsync();
        await BeatUntilAsync(hour.AddHours(1), a);
        AfterClose(hour);

        var concurrent = await Task.WhenAll(Relay(0).RunDueAsync(stream), Relay(1).RunDueAsync(stream));
        var head = await _ledger.Ledger.GetHeadAsync();
        var again = await Relay().RunDueAsync(stream);

        var epoch = Assert.Single(concurrent.SelectMany(r => r).DistinctBy(e => e.Epoch));
        Assert.Empty(again);
        Assert.Equal(head, await _ledger.Ledger.GetHeadAsync());
        Assert.Equal(Schedule.HourIndexOf(hour), epoch.Epoch);
        Assert.Equal(RewardEpochStatus.Applied, epoch.Status);
        AssertPools(epoch, hour);
        Assert.Equal((epoch.GpuPool, 1, 1), (epoch.Distributed, epoch.Devices, epoch.Owners));
        var mint = Assert.Single(await RewardEventsAsync(stream));
        Assert.Equal(RewardGrain.OperationId(stream, epoch.Epoch, a.Owner.Address.ToString()), mint.OperationId);
        Assert.Equal((epoch.GpuPool, 0L), await _ledger.BalanceAsync(a.Owner, Token.IO));
        var status = await Stream(stream).GetStatusAsync();
        Assert.Equal((epoch.Epoch, epoch.Epoch + 1, epoch.Distributed, epoch.Undistributed),
            (status.FirstEpoch, status.NextEpoch, status.Minted, status.Undistributed));
        await AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task The_issuance_is_split_in_proportion_to_verified_uptime()
    {
        var (stream, hour) = await FreshHourAsync();
        var (a, b, c) = (await OnlineAsync(), await OnlineAsync(), await OnlineAsync());
        await BeatUntilAsync(hour.AddMinutes(15), a, b, c);
        await BeatUntilAsync(hour.AddMinutes(30), a, b);
        await BeatUntilAsync(hour.AddHours(1), a);
        AfterClose(hour);

        var epoch = Assert.Single(await Relay().RunDueAsync(stream));

        AssertPools(epoch, hour);
        Assert.Equal((epoch.GpuPool, 3, 3), (epoch.Distributed, epoch.Devices, epoch.Owners));
        var earnings = new List<DeviceEarning>();
        foreach (var s in new[] { a, b, c })
        {
            var device = await Stream(stream).DeviceEarningsAsync(s.Id, 10);
            var earning = Assert.Single(device.Recent);
            Assert.Equal((s.Owner.Address.ToString(), earning.Amount, 1), (device.Owner, device.Total, device.Epochs));
            Assert.Equal((earning.Amount, 0L), await _ledger.BalanceAsync(s.Owner, Token.IO));
            earnings.Add(earning);
        }

        // Uptime: about an hour, half an hour and a quarter (each came online a moment after the hour began).
        Assert.InRange(earnings[0].Seconds, 3_540, 3_600);
        Assert.InRange(earnings[1].Seconds, 1_740, 1_800);
        Assert.InRange(earnings[2].Seconds, 840, 900);
        // Simulated devices verify at tier Low (weight 1 = 10,000 bps); every share is its exact share of the pool, rounded down or up.
        var lowBps = (await _governance.Parameters.GetAsync()).RewardTiers.LowBps;
        Assert.Equal(10_000, lowBps);
        Int128 total = earnings.Sum(e => e.WeightedSeconds);
        foreach (var e in earnings)
        {
            Assert.Equal((long)e.Seconds * lowBps, e.WeightedSeconds);
            var floor = (long)((Int128)epoch.GpuPool * e.WeightedSeconds / total);
            Assert.InRange(e.Amount, floor, floor + 1);
        }

        Assert.Equal(epoch.GpuPool, earnings.Sum(e => e.Amount));
        await AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task A_device_that_went_offline_earns_nothing_for_that_hour()
    {
        var (stream, hour) = await FreshHourAsync();
        var (a, b) = (await OnlineAsync(), await OnlineAsync());
        await BeatUntilAsync(hour.AddMinutes(20), a, b);
        // b falls silent past the Offline threshold; the sweep marks it Offline; then it comes back for the rest of the hour.
        var silentUntil = Now + ClusterFixture.Pool.OfflineAfter + TimeSpan.FromSeconds(15);
        await BeatUntilAsync(silentUntil, a);
        await fixture.Grains.GetGrain<IPoolRelayGrain>(0).SweepAsync(PoolShards.Of(b.Id, ClusterFixture.Pool.Shards));
        Assert.Equal(DeviceStatus.Offline, (await b.Grain.GetAsync())!.Status);
        await BeatUntilAsync(hour.AddHours(1), a, b);
        Assert.Equal(DeviceStatus.Online, (await b.Grain.GetAsync())!.Status);
        AfterClose(hour);

        var epoch = Assert.Single(await Relay().RunDueAsync(stream));

        Assert.Equal((epoch.GpuPool, 1, 1), (epoch.Distributed, epoch.Devices, epoch.Owners));
        Assert.Equal((epoch.GpuPool, 0L), await _ledger.BalanceAsync(a.Owner, Token.IO));
        Assert.Equal((0L, 0L), await _ledger.BalanceAsync(b.Owner, Token.IO));
        var offline = await Stream(stream).DeviceEarningsAsync(b.Id, 10);
        Assert.Equal((0L, 0), (offline.Total, offline.Epochs));
        Assert.Empty(offline.Recent);
        await AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task A_distribution_stopped_half_way_is_finished_once_with_the_same_mints()
    {
        var (stream, hour) = await FreshHourAsync();
        var (a, b, c) = (await OnlineAsync(), await OnlineAsync(), await OnlineAsync());
        await BeatUntilAsync(hour.AddMinutes(40), a, b, c);
        await BeatUntilAsync(hour.AddHours(1), a);
        AfterClose(hour);
        RewardFaults.Instance.CrashAfter(stream, 1);

        await Assert.ThrowsAnyAsync<Exception>(() => Relay().RunDueAsync(stream));
        var planned = Assert.Single((await Stream(stream).EpochsAsync(new PageRequest())).Items);
        var minted = Assert.Single(await RewardEventsAsync(stream));
        var resumed = Assert.Single(await Relay().RunDueAsync(stream));
        var again = await Relay().RunDueAsync(stream);

        Assert.Equal(RewardEpochStatus.Planned, planned.Status);
        Assert.Equal(RewardEpochStatus.Applied, resumed.Status);
        Assert.Empty(again);
        Assert.Equal((planned.Epoch, planned.Distributed, planned.GpuPool, 3), (resumed.Epoch, resumed.Distributed, resumed.GpuPool, resumed.Owners));
        var events = await RewardEventsAsync(stream);
        Assert.Equal(3, events.Count);
        Assert.Equal(3, events.Select(e => e.OperationId).Distinct().Count());
        Assert.Contains(events, e => e.OperationId == minted.OperationId && e.Sequence == minted.Sequence);
        var paid = 0L;
        foreach (var s in new[] { a, b, c })
        {
            var payout = Assert.Single((await Stream(stream).PayoutsAsync(s.Owner.Address.ToString(), new PageRequest())).Items);
            Assert.Equal((payout.Amount, 0L), await _ledger.BalanceAsync(s.Owner, Token.IO));
            paid += payout.Amount;
        }

        Assert.Equal(resumed.GpuPool, paid);
        Assert.Equal(resumed.Distributed, (await Stream(stream).GetStatusAsync()).Minted);
        await AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task Missed_hours_are_each_minted_once_after_downtime_a_bounded_batch_per_run()
    {
        var (stream, hour) = await FreshHourAsync();
        var a = await OnlineAsync();
        await BeatUntilAsync(hour.AddHours(3), a);
        // Downtime: 30 hours without heartbeats or runs.
        ClusterFixture.Clock.Advance(hour.AddHours(33) + ClusterFixture.Rewards.Grace - Now);

        var first = await Relay().RunDueAsync(stream);
        var second = await Relay().RunDueAsync(stream);
        var third = await Relay().RunDueAsync(stream);

        Assert.Equal(ClusterFixture.Rewards.MaxEpochsPerRun, first.Count);
        Assert.Equal(33 - ClusterFixture.Rewards.MaxEpochsPerRun, second.Count);
        Assert.Empty(third);
        var epochs = first.Concat(second).ToList();
        var start = Schedule.HourIndexOf(hour);
        Assert.Equal(Enumerable.Range(0, 33).Select(i => start + i), epochs.Select(e => e.Epoch));
        Assert.All(epochs, e => AssertPools(e, Schedule.HourStart(e.Epoch)));
        Assert.All(epochs.Take(3), e => Assert.Equal((e.GpuPool, 1), (e.Distributed, e.Devices)));
        Assert.All(epochs.Skip(3), e => Assert.Equal((0L, 0, e.Issuance), (e.Distributed, e.Devices, e.Undistributed)));
        var events = await RewardEventsAsync(stream);
        Assert.Equal(epochs.Take(3).Select(e => RewardGrain.OperationId(stream, e.Epoch, a.Owner.Address.ToString())).Order(),
            events.Select(e => e.OperationId).Order());
        var minted = epochs.Sum(e => e.Distributed);
        Assert.Equal((minted, 0L), await _ledger.BalanceAsync(a.Owner, Token.IO));
        var status = await Stream(stream).GetStatusAsync();
        Assert.Equal((minted, epochs.Sum(e => e.Issuance) - minted, start + 33), (status.Minted, status.Undistributed, status.NextEpoch));
        Assert.Equal(Schedule.Between(start, start + 33), status.Minted + status.Undistributed);
        await AssertLedgerVerifiesAsync();
    }

    [Fact]
    public async Task A_tier_weight_changed_by_governance_changes_what_that_tier_earns()
    {
        await _governance.WithParameterAsync(ParameterCatalog.RewardLow, 0, async () =>
        {
            var (stream, hour) = await FreshHourAsync();
            var a = await OnlineAsync();
            await BeatUntilAsync(hour.AddHours(1), a);
            AfterClose(hour);

            var epoch = Assert.Single(await Relay().RunDueAsync(stream));

            // Simulated devices verify at Low: weighed at zero, a full hour of uptime earns nothing and nothing is minted.
            AssertPools(epoch, hour);
            Assert.Equal((0L, 0, epoch.Issuance), (epoch.Distributed, epoch.Devices, epoch.Undistributed));
            Assert.Equal((0L, 0L), await _ledger.BalanceAsync(a.Owner, Token.IO));
            Assert.Empty(await RewardEventsAsync(stream));
        });
    }

    [Fact]
    public async Task A_stake_bonus_changed_by_governance_changes_the_staked_devices_share()
    {
        var staking = new StakingTestKit(fixture);
        await _governance.WithParameterAsync(ParameterCatalog.RewardStakeBonusBps, 10_000, async () =>
        {
            var (stream, hour) = await FreshHourAsync();
            var (a, b) = (await OnlineAsync(), await OnlineAsync());
            await staking.MintAsync(a.Owner.Address, Token.IO, 250 * StakingTestKit.Io);
            await staking.Stake(a.Id).SubmitAsync(StakingTestKit.Add(a.Owner, a.Id, 250 * StakingTestKit.Io));
            await BeatUntilAsync(hour.AddHours(1), a, b);
            AfterClose(hour);

            var epoch = Assert.Single(await Relay().RunDueAsync(stream));

            var staked = Assert.Single((await Stream(stream).DeviceEarningsAsync(a.Id, 10)).Recent);
            var unstaked = Assert.Single((await Stream(stream).DeviceEarningsAsync(b.Id, 10)).Recent);
            Assert.Equal((10_000, 0), (staked.BonusBps, unstaked.BonusBps));
            // +100% instead of the default +25%: the staked device's weighted uptime counts twice.
            Int128 total = ((Int128)staked.WeightedSeconds * 2) + unstaked.WeightedSeconds;
            var floor = (long)((Int128)epoch.GpuPool * staked.WeightedSeconds * 2 / total);
            Assert.InRange(staked.Amount, floor, floor + 1);
            Assert.Equal(epoch.GpuPool, staked.Amount + unstaked.Amount);
            Assert.True(staked.Amount > unstaked.Amount * 19 / 10, $"{staked.Amount} vs {unstaked.Amount}");
        });
    }

    private static void AssertPools(RewardEpoch epoch, DateTimeOffset hour)
    {
        Assert.Equal(hour, epoch.HourStart);
        Assert.Equal(Schedule.IssuanceFor(hour), epoch.Issuance);
        Assert.Equal(epoch.Issuance * ClusterFixture.Rewards.GpuPoolBps / 10_000, epoch.GpuPool);
        Assert.Equal(epoch.Issuance, epoch.GpuPool + epoch.CpuPool);
        Assert.True(epoch.Distributed <= epoch.GpuPool);
        Assert.Equal(epoch.Issuance - epoch.Distributed, epoch.Undistributed);
    }

    /// <summary>Moves the clock to the start of the next hour (shards awake before it begins) and starts a new stream there.</summary>
    private async Task<(string Stream, DateTimeOffset Hour)> FreshHourAsync()
    {
        for (var shard = 0; shard < ClusterFixture.Pool.Shards; shard++)
        {
            await fixture.Grains.GetGrain<IPoolShardGrain>(shard).CountsAsync();
        }

        var now = Now;
        var hour = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero).AddHours(1);
        ClusterFixture.Clock.Advance(hour - now + TimeSpan.FromSeconds(1));
        var stream = $"test-{Guid.NewGuid():N}";
        Assert.Empty(await Relay().RunDueAsync(stream));
        return (stream, hour);
    }

    private static void AfterClose(DateTimeOffset hour) =>
        ClusterFixture.Clock.Advance(hour.AddHours(1) + ClusterFixture.Rewards.Grace - Now);

    private async Task<Supplier> OnlineAsync()
    {
        var (owner, id, grain, session) = await _devices.OnlineAsync();
        return new Supplier(owner, id, grain, session);
    }

    /// <summary>Heartbeats from each supplier every 15 s until the clock reaches <paramref name="until"/>; re-verification challenges are answered.</summary>
    private async Task BeatUntilAsync(DateTimeOffset until, params Supplier[] suppliers)
    {
        while (Now + Every <= until)
        {
            ClusterFixture.Clock.Advance(Every);
            foreach (var s in suppliers)
            {
                var reply = await _devices.BeatAsync(s.Id, s.Session, DeviceTestKit.Beat());
                if (reply.Challenge is { } challenge)
                {
                    var outcome = await DeviceTestKit.SolveAsync(s.Grain, s.Session, challenge, TimeSpan.FromMilliseconds(15));
                    Assert.True(outcome.Passed, outcome.Detail);
                }
            }
        }
    }

    private async Task<IReadOnlyList<LedgerEvent>> RewardEventsAsync(string stream) =>
        [.. (await _ledger.Ledger.TailAsync(PageRequest.MaxSize)).Where(e => e.OperationId.StartsWith($"reward/{stream}/", StringComparison.Ordinal))];

    private async Task AssertLedgerVerifiesAsync()
    {
        var verification = await _ledger.Ledger.VerifyAsync();
        Assert.True(verification.Ok, string.Join("; ", verification.Problems));
    }

    private sealed record Supplier(Keypair Owner, string Id, IDeviceGrain Grain, Guid Session);
}
