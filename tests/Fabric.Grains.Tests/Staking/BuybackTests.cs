using Fabric.Buyback;
using Fabric.Governance;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Tests.Governance;

namespace Fabric.Tests.Staking;

[Collection(ClusterCollection.Name)]
public sealed class BuybackTests(ClusterFixture fixture)
{
    private readonly StakingTestKit _kit = new(fixture);

    private IBurnGrain Burn => fixture.Grains.GetGrain<IBurnGrain>(IBurnGrain.NetworkKey);

    private IPriceFeedGrain Feed => fixture.Grains.GetGrain<IPriceFeedGrain>(IPriceFeedGrain.NetworkKey);

    [Fact]
    public async Task Each_hours_fee_revenue_buys_back_and_burns_io_once()
    {
        var (hour, record, price, burned, paid, again) = await SettleAnHourOfFeesAsync();

        Assert.Empty(again);
        Assert.Equal(hour, record.Hour);
        Assert.Equal(1_800_000, record.RevenueIosd);
        // share = clamp(5000 × 2.0 / 2.5, 1000, 9000) = 4000 bps; 40% of 1.8 IOSD = 0.72 IOSD buys 0.288 IO at 2.5 USD.
        Assert.Equal((4000, price, 720_000L, 28_800_000L), (record.ShareBps, record.MicroUsdPerIo, record.SpentIosd, record.BurnedIo));
        Assert.Equal(28_800_000, burned);
        Assert.Equal(720_000, paid);
        Assert.Equal(record, (await Burn.GetHistoryAsync(1))[0]);
        var events = await _kit.Ledger.Ledger.TailAsync(50);
        var id = $"buyback/{hour:yyyy-MM-ddTHH}";
        Assert.Single(events, e => e.OperationId == $"{id}/pay" && e.Kind == "transfer");
        Assert.Single(events, e => e.OperationId == $"{id}/burn" && e.Kind == "burn");
    }

    [Fact]
    public async Task A_burn_share_changed_by_governance_changes_the_hours_burn()
    {
        var governance = new GovernanceTestKit(fixture);

        await governance.WithParameterAsync(ParameterCatalog.BurnShareBps, 2_500, async () =>
        {
            var (_, record, _, burned, paid, _) = await SettleAnHourOfFeesAsync();

            // share = clamp(2500 × 2.0 / 2.5, 1000, 9000) = 2000 bps; 20% of 1.8 IOSD = 0.36 IOSD buys 0.144 IO at 2.5 USD.
            Assert.Equal((1_800_000L, 2000, 360_000L, 14_400_000L), (record.RevenueIosd, record.ShareBps, record.SpentIosd, record.BurnedIo));
            Assert.Equal((14_400_000L, 360_000L), (burned, paid));
        });
    }

    /// <summary>
    /// Settles what earlier tests left due, then pays 1.8 IOSD of fees in the current hour and settles it at 2.5 USD/IO:
    /// the hour, its record, the price, the IO burned and the IOSD paid to the market by settling it, and what a second
    /// tick settled (nothing).
    /// </summary>
    private async Task<(DateTimeOffset Hour, BuybackRecord Record, long Price, long Burned, long Paid, IReadOnlyList<BuybackRecord> Again)> SettleAnHourOfFeesAsync()
    {
        // Start in an hour of its own, then settle whatever earlier tests left due (the hour just ended included), so
        // this hour's figures are this test's alone: fees an earlier test paid in the current hour would count here.
        var start = ClusterFixture.Clock.GetUtcNow();
        var nextHour = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
        ClusterFixture.Clock.Advance(nextHour + ClusterFixture.Burn.SettleDelay - start);
        await Burn.GetHistoryAsync(1);
        await PriceFeedTests.SetAsync(Feed, 2_500_000);
        while ((await _kit.Relay.TickBurnAsync()).Count > 0)
        {
        }

        await _kit.MintAsync(ClusterFixture.Treasury.Address, Token.IO, 1_000_000 * StakingTestKit.Io);
        var now = ClusterFixture.Clock.GetUtcNow();
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var renter = await _kit.Ledger.FundedAsync(iosd: 100_000_000);
        var supplier = await _kit.Ledger.FundedAsync();
        var holdId = $"test-buyback/{Guid.NewGuid():N}";
        await _kit.Ledger.InsideLedger.ApplyAsync(new HoldCommand
        {
            OperationId = $"{holdId}/open", HoldId = holdId, Owner = renter.Address.ToString(), Token = Token.IOSD, Amount = 100_000_000,
        });
        // 80 IOSD paid: 2% payment fee (1.6 IOSD) + 0.25% booking fee (0.2 IOSD) to the treasury.
        await _kit.Ledger.InsideLedger.ApplyAsync(new CaptureCommand
        {
            OperationId = $"{holdId}/capture", HoldId = holdId, Payouts = [new Payout { To = supplier.Address.ToString(), Amount = 80_000_000 }], Final = true,
        });
        var burnedBefore = await _kit.BurnedIoAsync();
        var marketBefore = (await _kit.Ledger.BalanceAsync(ClusterFixture.Market, Token.IOSD)).Available;

        var early = await _kit.Relay.TickBurnAsync();
        ClusterFixture.Clock.Advance(hour.AddHours(1) + ClusterFixture.Burn.SettleDelay - ClusterFixture.Clock.GetUtcNow());
        var price = await PriceFeedTests.SetAsync(Feed, 2_500_000);
        var settled = await _kit.Relay.TickBurnAsync();
        var again = await _kit.Relay.TickBurnAsync();

        Assert.Empty(early);
        var record = Assert.Single(settled);
        var paid = (await _kit.Ledger.BalanceAsync(ClusterFixture.Market, Token.IOSD)).Available - marketBefore;
        return (hour, record, price.MicroUsdPerIo, await _kit.BurnedIoAsync() - burnedBefore, paid, again);
    }

    [Fact]
    public void The_burn_share_follows_the_price_rule_within_its_bounds()
    {
        var options = new BurnOptions();

        Assert.Equal(5000, BuybackMath.ShareBps(options, options.BaseShareBps, 2_000_000));
        Assert.Equal(4000, BuybackMath.ShareBps(options, options.BaseShareBps, 2_500_000));
        Assert.Equal(9000, BuybackMath.ShareBps(options, options.BaseShareBps, 500_000));
        Assert.Equal(1000, BuybackMath.ShareBps(options, options.BaseShareBps, 50_000_000));
        Assert.Equal(2000, BuybackMath.ShareBps(options, 2_500, 2_500_000)); // a voted base share of 25%
        Assert.Equal(40_000_000, BuybackMath.IoFor(1_000_000, 2_500_000)); // 1 USD buys 0.4 IO at 2.5 USD
        Assert.Equal(1_000_000, BuybackMath.IosdFor(40_000_000, 2_500_000));
    }
}
