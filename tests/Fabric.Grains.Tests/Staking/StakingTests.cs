using Fabric.Devices;
using Fabric.Governance;
using Fabric.Money;
using Fabric.Tests.Governance;
using Fabric.Wallet;

namespace Fabric.Tests.Staking;

[Collection(ClusterCollection.Name)]
public sealed class StakingTests(ClusterFixture fixture)
{
    private const long Io = StakingTestKit.Io;
    private readonly StakingTestKit _kit = new(fixture);

    [Fact]
    public async Task A_stake_escrows_the_owners_io_in_the_ledger()
    {
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);

        var stake = await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 300 * Io));

        Assert.Equal(300 * Io, stake.Active);
        Assert.Equal(250 * Io, stake.Minimum); // 200 IO × 1.25 (RTX 4090) × 1 GPU
        Assert.True(stake.MeetsMinimum);
        Assert.Equal([$"stake/{id}/0"], stake.Holds);
        Assert.Equal((700 * Io, 300 * Io), await _kit.Ledger.BalanceAsync(owner, Token.IO));
        Assert.Equal(300 * Io, (await _kit.Stake(id).GetAsync()).Active);
        await _kit.BurnedIoAsync();
    }

    [Fact]
    public async Task Staking_more_than_the_owner_holds_is_refused_and_holds_nothing()
    {
        var (owner, id, _) = await _kit.OnlineDeviceAsync(100 * Io);

        var refused = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 300 * Io)));

        Assert.Contains("Cannot stake 300 IO", refused.Message, StringComparison.Ordinal);
        Assert.Contains("has 100 IO available", refused.Message, StringComparison.Ordinal);
        Assert.Equal((100 * Io, 0), await _kit.Ledger.BalanceAsync(owner, Token.IO));
        Assert.Equal(0, (await _kit.Stake(id).GetAsync()).Active);
    }

    [Fact]
    public async Task A_stake_below_the_models_minimum_is_refused_and_a_top_up_may_be_any_amount()
    {
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);

        var refused = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 249 * Io)));
        await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 250 * Io));
        var topped = await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 1 * Io));

        Assert.Contains("below the minimum of 250 IO for a RTX 4090", refused.Message, StringComparison.Ordinal);
        Assert.Equal(251 * Io, topped.Active);
        Assert.Equal(2, topped.Holds.Count);
    }

    [Fact]
    public async Task A_higher_minimum_stake_voted_by_governance_refuses_a_stake_that_passed_before()
    {
        var governance = new GovernanceTestKit(fixture);
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);
        var (other, otherId, _) = await _kit.OnlineDeviceAsync(1_000 * Io);
        var passed = await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 250 * Io));
        Assert.True(passed.MeetsMinimum);

        await governance.WithParameterAsync(ParameterCatalog.MinimumStakeIo, 300, async () =>
        {
            var refused = await Assert.ThrowsAsync<FabricRejectedException>(() =>
                _kit.Stake(otherId).SubmitAsync(StakingTestKit.Add(other, otherId, 250 * Io)));
            var earlier = await _kit.Stake(id).GetAsync();

            // 300 IO × 1.25 (RTX 4090) × 1 GPU.
            Assert.Contains("below the minimum of 375 IO for a RTX 4090", refused.Message, StringComparison.Ordinal);
            Assert.Equal((1_000 * Io, 0), await _kit.Ledger.BalanceAsync(other, Token.IO));
            Assert.Equal((375 * Io, false), (earlier.Minimum, earlier.MeetsMinimum));
        });

        // Back at the default, the same stake passes again.
        var after = await _kit.Stake(otherId).SubmitAsync(StakingTestKit.Add(other, otherId, 250 * Io));
        Assert.Equal((250 * Io, true), (after.Minimum, after.MeetsMinimum));
    }

    [Fact]
    public async Task Only_the_devices_owner_may_stake_on_it()
    {
        var (_, id, _) = await _kit.OnlineDeviceAsync(0);
        var stranger = Keypair.Generate();
        await _kit.MintAsync(stranger.Address, Token.IO, 1_000 * Io);

        var refused = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Stake(id).SubmitAsync(StakingTestKit.Add(stranger, id, 300 * Io)));

        Assert.Contains("may make it", refused.Message, StringComparison.Ordinal);
        Assert.Equal((1_000 * Io, 0), await _kit.Ledger.BalanceAsync(stranger, Token.IO));
    }

    [Fact]
    public async Task A_replayed_stake_request_is_refused_and_changes_nothing()
    {
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);
        var request = StakingTestKit.Add(owner, id, 300 * Io);

        await _kit.Stake(id).SubmitAsync(request);
        var replay = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Stake(id).SubmitAsync(request));

        Assert.Contains("already applied", replay.Message, StringComparison.Ordinal);
        Assert.Equal((700 * Io, 300 * Io), await _kit.Ledger.BalanceAsync(owner, Token.IO));
    }

    [Fact]
    public async Task Unstaking_again_during_the_cooldown_and_withdrawing_before_it_ends_are_refused()
    {
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);
        await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 300 * Io));

        var unstaked = await _kit.Stake(id).SubmitAsync(StakingTestKit.Unstake(owner, id));
        var again = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Stake(id).SubmitAsync(StakingTestKit.Unstake(owner, id)));
        var early = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Stake(id).SubmitAsync(StakingTestKit.Withdraw(owner, id)));
        var topUp = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 10 * Io)));

        Assert.Equal(0, unstaked.Active);
        Assert.Equal(300 * Io, unstaked.CoolingDown);
        Assert.False(unstaked.MeetsMinimum);
        Assert.Equal(ClusterFixture.Clock.GetUtcNow() + TimeSpan.FromDays(14), unstaked.WithdrawableAt);
        Assert.Contains("already cooling down", again.Message, StringComparison.Ordinal);
        Assert.Contains("cools down until", early.Message, StringComparison.Ordinal);
        Assert.Contains("withdraw it before staking again", topUp.Message, StringComparison.Ordinal);
        Assert.Equal((700 * Io, 300 * Io), await _kit.Ledger.BalanceAsync(owner, Token.IO));
    }

    [Fact]
    public async Task Withdrawing_after_the_cooldown_returns_the_stake_to_the_owner()
    {
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);
        await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 300 * Io));
        await _kit.Stake(id).SubmitAsync(StakingTestKit.Unstake(owner, id));

        ClusterFixture.Clock.Advance(ClusterFixture.Staking.Cooldown + TimeSpan.FromSeconds(1));
        var withdrawn = await _kit.Stake(id).SubmitAsync(StakingTestKit.Withdraw(owner, id));
        var twice = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Stake(id).SubmitAsync(StakingTestKit.Withdraw(owner, id)));

        Assert.Equal(0, withdrawn.Active + withdrawn.CoolingDown);
        Assert.Empty(withdrawn.Holds);
        Assert.Null(withdrawn.WithdrawableAt);
        Assert.Contains("unstake first", twice.Message, StringComparison.Ordinal);
        Assert.Equal((1_000 * Io, 0), await _kit.Ledger.BalanceAsync(owner, Token.IO));
        await _kit.BurnedIoAsync();
    }

    [Fact]
    public async Task A_staking_request_naming_another_device_is_refused()
    {
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);

        var refused = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, "gpu-other", 300 * Io)));

        Assert.Contains("names device 'gpu-other'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(DeviceStatus.Online, (await _kit.Devices.Grain(id).GetAsync())!.Status);
    }
}
