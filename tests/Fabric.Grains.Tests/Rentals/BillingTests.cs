using Fabric.Clusters;
using Fabric.Ledger;
using Fabric.Money;
using FsCheck;
using FsCheck.Fluent;

namespace Fabric.Tests.Rentals;

public sealed class BillingTests
{
    private static readonly FeeOptions Fees = new();

    [Fact]
    public void Hours_times_price_is_exact_and_partial_hours_round_down_once()
    {
        Assert.Equal(900_000, Billing.Due(450_000, 7_200));
        Assert.Equal(277, Billing.Due(1_000_000, 1)); // 277.7… rounds down
        Assert.Equal(0, Billing.Due(450_000, 0));
    }

    [Fact]
    public void Charging_cumulatively_never_drifts_from_one_charge_for_the_whole_time()
    {
        Prop.ForAll(Gen.Choose(1, 5_000_000).ToArbitrary(), Gen.ListOf(Gen.Choose(1, 10_000)).ToArbitrary(), (price, steps) =>
        {
            long charged = 0, seconds = 0;
            foreach (var step in steps)
            {
                seconds += step;
                charged += Billing.Due(price, seconds) - charged;
            }

            return charged == Billing.Due(price, seconds);
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Captures_split_over_holds_never_take_more_than_a_hold_has_left()
    {
        Prop.ForAll(Gen.ListOf(Gen.Choose(1, 1_000_000)).ToArbitrary(), Gen.ListOf(Gen.Choose(1, 300_000)).ToArbitrary(), (holdSizes, amounts) =>
        {
            var holds = holdSizes.Select((size, i) => new EscrowHold { HoldId = $"h{i}", Amount = size }).ToList();
            var payouts = amounts.Select((a, i) => new Payout { To = $"owner{i % 3}", Amount = a }).ToList();
            var capacity = holds.Sum(h => Billing.MaxPayable(h.Left, Token.IOSD, Fees));
            try
            {
                var captures = Billing.Plan(holds, payouts, Token.IOSD, Fees, "op");
                var perHold = captures.GroupBy(c => c.HoldId).ToDictionary(g => g.Key, g => g.Sum(c => c.Debit));
                return captures.Sum(c => c.Payouts.Sum(p => p.Amount)) == payouts.Sum(p => p.Amount)
                       && captures.All(c => c.Debit == c.Payouts.Sum(p => p.Amount) + Fees.PaymentFee(Token.IOSD, c.Payouts.Sum(p => p.Amount)))
                       && perHold.All(h => h.Value <= holds.Single(x => x.HoldId == h.Key).Left);
            }
            catch (FabricRejectedException)
            {
                return payouts.Sum(p => (long)p.Amount) > capacity;
            }
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void The_escrow_covers_the_cost_and_the_iosd_payment_fee()
    {
        Assert.Equal(2_040_000, Billing.Escrow(500_000, 2, 2, Token.IOSD, 2m, Fees));
        Assert.Equal(50_000_001, Billing.Escrow(1_000_000, 1, 1, Token.IO, 2m, Fees));
        Assert.Throws<FabricRejectedException>(() => Billing.Escrow(long.MaxValue / 2, 1024, 720, Token.IOSD, 2m, Fees));
    }
}
