using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Governance;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Staking;
using Fabric.Tests.Devices;
using Fabric.Tests.Governance;
using Fabric.Tests.Rentals;
using Fabric.Wallet;

namespace Fabric.Tests.Staking;

[Collection(ClusterCollection.Name)]
public sealed class SlashingTests(ClusterFixture fixture)
{
    private const long Io = StakingTestKit.Io;
    private readonly StakingTestKit _kit = new(fixture);

    [Fact]
    public async Task A_fault_reported_twice_slashes_the_stake_once()
    {
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);
        await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 300 * Io));
        var burnedBefore = await _kit.BurnedIoAsync();
        var fault = StakingTestKit.Fault("verify/test-1");

        await _kit.Relay.SlashAsync(id, fault);
        await _kit.Relay.SlashAsync(id, fault);
        var stake = await _kit.Stake(id).GetAsync();

        // 10% of 300 IO, burned by default.
        Assert.Equal(270 * Io, stake.Active);
        Assert.Equal(30 * Io, stake.Slashed);
        var record = Assert.Single(stake.Faults);
        Assert.Equal(("verify/test-1", 30 * Io, ""), (record.Fault.FaultId, record.Amount, record.PaidTo));
        Assert.Equal(burnedBefore + 30 * Io, await _kit.BurnedIoAsync());
        Assert.Equal((700 * Io, 270 * Io), await _kit.Ledger.BalanceAsync(owner, Token.IO));
    }

    [Fact]
    public async Task A_second_fault_slashes_its_share_of_what_is_left()
    {
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);
        await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 250 * Io));
        await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 50 * Io));

        await _kit.Relay.SlashAsync(id, StakingTestKit.Fault("verify/a"));
        await _kit.Relay.SlashAsync(id, StakingTestKit.Fault("verify/b"));
        var stake = await _kit.Stake(id).GetAsync();

        Assert.Equal(300 * Io - 30 * Io - 27 * Io, stake.Active);
        Assert.Equal([30 * Io, 27 * Io], stake.Faults.Select(f => f.Amount));
        Assert.False(stake.MeetsMinimum); // 243 IO < 250 IO
        await _kit.BurnedIoAsync();
    }

    [Fact]
    public async Task A_slash_share_changed_by_governance_slashes_that_share()
    {
        var governance = new GovernanceTestKit(fixture);
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);
        await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 400 * Io));
        var burnedBefore = await _kit.BurnedIoAsync();

        await governance.WithParameterAsync(ParameterCatalog.SlashShareBps, 2_500,
            () => _kit.Relay.SlashAsync(id, StakingTestKit.Fault("verify/voted-share")));
        await _kit.Relay.SlashAsync(id, StakingTestKit.Fault("verify/default-share"));
        var stake = await _kit.Stake(id).GetAsync();

        // 25% of 400 IO under the voted share, then the default 10% of the 300 IO left.
        Assert.Equal([100 * Io, 30 * Io], stake.Faults.Select(f => f.Amount));
        Assert.Equal(270 * Io, stake.Active);
        Assert.Equal(burnedBefore + 130 * Io, await _kit.BurnedIoAsync());
    }

    [Fact]
    public async Task A_slash_goes_to_the_renter_when_the_parameter_says_so()
    {
        var (owner, id, _) = await _kit.OnlineDeviceAsync(1_000 * Io);
        await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 400 * Io));
        // The renter is the owner of the cluster's first escrow hold.
        var renter = await _kit.Ledger.FundedAsync(iosd: 1_000_000);
        var clusterId = RentalTestKit.NewId("c");
        await _kit.Ledger.InsideLedger.ApplyAsync(new HoldCommand
        {
            OperationId = $"test/{clusterId}/hold", HoldId = $"cluster/{clusterId}/0", Owner = renter.Address.ToString(), Token = Token.IOSD, Amount = 1_000_000,
        });
        var burnedBefore = await _kit.BurnedIoAsync();

        ClusterFixture.Staking.SlashTo = SlashDestination.Renter;
        try
        {
            await _kit.Relay.SlashAsync(id, StakingTestKit.Fault($"offline/{clusterId}/1", FaultKind.DowntimeWhileRented, clusterId));
            await _kit.Relay.SlashAsync(id, StakingTestKit.Fault("verify/not-rented"));
        }
        finally
        {
            ClusterFixture.Staking.SlashTo = SlashDestination.Burn;
        }

        var stake = await _kit.Stake(id).GetAsync();
        Assert.Equal([renter.Address.ToString(), ""], stake.Faults.Select(f => f.PaidTo));
        Assert.Equal((40 * Io, 0), await _kit.Ledger.BalanceAsync(renter, Token.IO));
        // The fault with no renter is burned: 10% of the 360 IO left.
        Assert.Equal(burnedBefore + 36 * Io, await _kit.BurnedIoAsync());
        Assert.Equal(324 * Io, stake.Active);
    }

    [Fact]
    public async Task A_fault_of_a_device_with_nothing_staked_is_recorded_with_nothing_slashed()
    {
        var (_, id, _) = await _kit.OnlineDeviceAsync(0);

        await _kit.Relay.SlashAsync(id, StakingTestKit.Fault("verify/empty"));

        var record = Assert.Single((await _kit.Stake(id).GetAsync()).Faults);
        Assert.Equal((0L, ""), (record.Amount, record.OperationId));
    }

    [Fact]
    public async Task The_ledger_refuses_a_slash_beyond_what_the_hold_has_left()
    {
        var owner = await _kit.Ledger.FundedAsync(io: 10 * Io);
        var holdId = $"test-hold/{Guid.NewGuid():N}";
        await _kit.Ledger.InsideLedger.ApplyAsync(new HoldCommand { OperationId = $"{holdId}/open", HoldId = holdId, Owner = owner.Address.ToString(), Token = Token.IO, Amount = 10 * Io });

        var refused = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Ledger.InsideLedger.ApplyAsync(new SlashCommand
        {
            OperationId = $"{holdId}/slash", From = [new HoldSlice { HoldId = holdId, Amount = 10 * Io + 1 }],
        }));
        await _kit.Ledger.InsideLedger.ApplyAsync(new ReleaseCommand { OperationId = $"{holdId}/release", HoldId = holdId });
        var closed = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Ledger.InsideLedger.ApplyAsync(new SlashCommand
        {
            OperationId = $"{holdId}/slash-2", From = [new HoldSlice { HoldId = holdId, Amount = 1 }],
        }));

        Assert.Contains("exceeds what hold", refused.Message, StringComparison.Ordinal);
        Assert.Contains("is closed", closed.Message, StringComparison.Ordinal);
        await _kit.BurnedIoAsync();
    }

    [Fact]
    public async Task A_failed_reverification_slashes_the_stake_once()
    {
        var (owner, id, session) = await _kit.OnlineDeviceAsync(1_000 * Io);
        await _kit.Stake(id).SubmitAsync(StakingTestKit.Add(owner, id, 300 * Io));
        var grain = _kit.Devices.Grain(id);

        ClusterFixture.Clock.Advance(ClusterFixture.Pool.ReverifyMax + TimeSpan.FromSeconds(1));
        var reply = await _kit.Devices.BeatAsync(id, session, DeviceTestKit.Beat());
        Assert.NotNull(reply.Challenge);
        var outcome = await DeviceTestKit.SolveAsync(grain, session, reply.Challenge, reply.Challenge.Deadline - reply.Challenge.IssuedAt + TimeSpan.FromSeconds(1));

        Assert.False(outcome.Passed);
        Assert.Equal(DeviceStatus.FailedVerification, (await grain.GetAsync())!.Status);
        var stake = await _kit.Stake(id).GetAsync();
        var record = Assert.Single(stake.Faults);
        Assert.Equal((FaultKind.FailedVerification, $"verify/{reply.Challenge.Id:N}", 30 * Io), (record.Fault.Kind, record.Fault.FaultId, record.Amount));
        Assert.Equal(270 * Io, stake.Active);
        await _kit.BurnedIoAsync();
    }

    [Fact]
    public async Task A_rented_device_that_goes_offline_is_slashed_for_its_renter_and_cannot_unstake_while_rented()
    {
        var rentals = new RentalTestKit(fixture);
        var model = RentalTestKit.UniqueModel();
        var device = Assert.Single(await rentals.OnlineAsync(model, 1));
        await _kit.MintAsync(device.Owner.Address, Token.IO, 1_000 * Io);
        await _kit.Stake(device.Id).SubmitAsync(StakingTestKit.Add(device.Owner, device.Id, 200 * Io));
        var renter = await rentals.Ledger.FundedAsync(iosd: 10_000_000);
        var clusterId = RentalTestKit.NewId("c");
        await rentals.Cluster(clusterId).DeployAsync(RentalTestKit.Deploy(renter, clusterId, gpus: 1, model, hours: 2, maxPrice: 500_000));
        await rentals.WaitForAsync(clusterId, c => c.Status == ClusterStatus.Running, "Running");

        var busy = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Stake(device.Id).SubmitAsync(StakingTestKit.Unstake(device.Owner, device.Id)));
        var lastSeen = ClusterFixture.Clock.GetUtcNow();
        ClusterFixture.Clock.Advance(ClusterFixture.Pool.OfflineAfter + TimeSpan.FromSeconds(1));
        ClusterFixture.Staking.SlashTo = SlashDestination.Renter;
        try
        {
            var relay = fixture.Grains.GetGrain<IDeviceRelayGrain>(0);
            await relay.MarkSilentAsync(device.Id, DeviceStatus.Offline, lastSeen);
            await relay.MarkSilentAsync(device.Id, DeviceStatus.Offline, lastSeen);
        }
        finally
        {
            ClusterFixture.Staking.SlashTo = SlashDestination.Burn;
        }

        Assert.Contains("rented (Busy)", busy.Message, StringComparison.Ordinal);
        var stake = await _kit.Stake(device.Id).GetAsync();
        var record = Assert.Single(stake.Faults);
        Assert.Equal((FaultKind.DowntimeWhileRented, clusterId, 20 * Io, renter.Address.ToString()),
            (record.Fault.Kind, record.Fault.ClusterId, record.Amount, record.PaidTo));
        Assert.Equal((20 * Io, 0), await _kit.Ledger.BalanceAsync(renter, Token.IO));
        await _kit.BurnedIoAsync();
    }
}
