using Fabric.Ledger;
using Fabric.Money;
using Fabric.Network;
using Fabric.Tests.Ledger;
using Fabric.Wallet;

namespace Fabric.Tests.Governance;

/// <summary>`fabric network stats`: every figure reconciles with what `ledger verify` recomputes from the events.</summary>
[Collection(ClusterCollection.Name)]
public sealed class NetworkStatsTests(ClusterFixture fixture)
{
    private readonly LedgerTestKit _kit = new(fixture);

    private INetworkStatsGrain Stats => fixture.Grains.GetGrain<INetworkStatsGrain>(INetworkStatsGrain.NetworkKey);

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Supply_fees_and_GPU_time_reconcile_with_the_ledger()
    {
        var before = await Stats.GetAsync();
        var renter = await _kit.FundedAsync(iosd: 10_000_000);
        var supplier = Keypair.Generate();
        var holdId = NewId("cluster/stats-test");
        await _kit.InsideLedger.ApplyAsync(new HoldCommand
        {
            OperationId = NewId("op"), HoldId = holdId, Owner = renter.Address.ToString(), Token = Token.IOSD, Amount = 10_000_000,
        });
        // A settlement as a cluster writes it: two hours of one RTX 4090 at 0.45 IOSD/h, recorded in the capture's memo.
        await _kit.InsideLedger.ApplyAsync(new CaptureCommand
        {
            OperationId = $"{holdId}/settle/0/0",
            HoldId = holdId,
            Payouts = [new Payout { To = supplier.Address.ToString(), Amount = 900_000 }],
            Memo = CaptureUsage.Append("GPU-time of a test cluster", [("RTX 4090", 7_200, 900_000, 900_000)]),
        });

        // Clusters of other tests may settle meanwhile: compare a stats reading and a verification of the same head.
        NetworkStats stats;
        LedgerVerification verified;
        var attempts = 0;
        do
        {
            stats = await Stats.GetAsync();
            verified = await _kit.Ledger.VerifyAsync();
        }
        while (verified.Events != stats.LedgerSequence && ++attempts < 10);

        Assert.Empty(verified.Problems);
        foreach (var token in Enum.GetValues<Token>())
        {
            var figures = stats.Tokens.Single(t => t.Token == token);
            var supply = verified.Supply.Single(s => s.Token == token);
            Assert.Equal((supply.Minted, supply.Burned, supply.Balances + supply.Held, supply.Held),
                (figures.Minted, figures.Burned, figures.Circulating, figures.Held));
            Assert.Equal(verified.FeeRevenue.SingleOrDefault(f => f.Token == token)?.Amount ?? 0, figures.FeeRevenue);
        }

        Assert.Equal(verified.Usage, stats.Usage);
        var rtx = stats.Usage.Single(u => u.Model == "RTX 4090" && u.Token == Token.IOSD);
        var rtxBefore = before.Usage.SingleOrDefault(u => u.Model == "RTX 4090" && u.Token == Token.IOSD);
        Assert.Equal(7_200, rtx.GpuSeconds - (rtxBefore?.GpuSeconds ?? 0));
        Assert.Equal(900_000, rtx.Paid - (rtxBefore?.Paid ?? 0));
        // 2% payment fee + 0.25% booking fee on 0.9 IOSD.
        var iosdFees = stats.Tokens.Single(t => t.Token == Token.IOSD).FeeRevenue - before.Tokens.Single(t => t.Token == Token.IOSD).FeeRevenue;
        Assert.Equal(18_000 + 2_250, iosdFees);
        // This test stakes nothing: stakes other tests made stay as they were.
        Assert.Equal(before.Tokens.Single(t => t.Token == Token.IO).Staked, stats.Tokens.Single(t => t.Token == Token.IO).Staked);
    }

    [Fact]
    public async Task Issuance_comes_from_the_emission_schedule()
    {
        var schedule = Fabric.Economy.EmissionSchedule.Create(new Fabric.Economy.EmissionOptions());
        var stats = await Stats.GetAsync();
        var hour = schedule.HourIndexOf(stats.At);

        Assert.Equal((schedule.Issuance(hour), schedule.Issuance(hour + 1), schedule.Cumulative(hour)),
            (stats.IssuanceThisHour, stats.IssuanceNextHour, stats.IssuedToDate));
        Assert.Equal("decay", stats.EmissionPreset);
    }
}
