using Fabric.Ledger;
using Fabric.Money;

namespace Fabric.Clusters;

/// <summary>One escrow hold of a cluster: the deploy's, then one per extension.</summary>
[GenerateSerializer, Immutable, Alias("fabric.EscrowHold")]
public sealed record EscrowHold
{
    [Id(0)] public required string HoldId { get; init; }

    /// <summary>Base units of the paying token put in escrow.</summary>
    [Id(1)] public required long Amount { get; init; }

    /// <summary>Base units taken out so far (payouts and payment fees).</summary>
    [Id(2)] public long Used { get; init; }
    [Id(3)] public bool Closed { get; init; }

    public long Left => Amount - Used;
}

/// <summary>One capture to apply: from which hold, to whom, and what it takes out of the hold.</summary>
[GenerateSerializer, Immutable, Alias("fabric.PlannedCapture")]
public sealed record PlannedCapture
{
    [Id(0)] public required string OperationId { get; init; }
    [Id(1)] public required string HoldId { get; init; }
    [Id(2)] public required IReadOnlyList<Payout> Payouts { get; init; }

    /// <summary>Σ payouts + payment fee.</summary>
    [Id(3)] public required long Debit { get; init; }
    [Id(4)] public required long Fee { get; init; }

    /// <summary>Ledger sequence whose payment fee rate the ledger applies (null: its current rate).</summary>
    [Id(5)] public long? PaymentFeeAsOf { get; init; }
}

/// <summary>
/// The arithmetic of renting, as pure functions: what GPU-time costs, what the escrow must hold, how a price in IOSD
/// converts for an IO payer, and how payouts split across holds. Every amount is an integer of base units; charges are
/// computed cumulatively (what is due in all, minus what was charged) so rounding never drifts over many settlements.
/// </summary>
public static class Billing
{
    private const long SecondsPerHour = 3600;

    /// <summary>IOSD base units due for <paramref name="seconds"/> at <paramref name="pricePerHour"/>, rounded down.</summary>
    public static long Due(long pricePerHour, long seconds) =>
        seconds <= 0 ? 0 : (long)((Int128)pricePerHour * seconds / SecondsPerHour);

    /// <summary>IOSD base units → the paying token's, at <paramref name="ioPriceUsd"/> USD per IO (rounded down).</summary>
    public static long Convert(long iosd, Token pay, decimal ioPriceUsd)
    {
        if (pay == Token.IOSD || iosd == 0)
        {
            return iosd;
        }

        // 1 IOSD base unit is 1e-6 USD; 1 IO base unit is 1e-8 IO: io = iosd × 100 / price.
        var io = decimal.Floor(iosd * 100m / ioPriceUsd);
        return io > long.MaxValue ? throw new FabricRejectedException("The amount overflows a 64-bit count of IO base units.") : (long)io;
    }

    /// <summary>
    /// What the escrow of <paramref name="gpus"/> GPUs for <paramref name="hours"/> at <paramref name="pricePerHour"/>
    /// holds in the paying token: the cost (rounded up when converted) plus the payment fee on it.
    /// </summary>
    public static long Escrow(long pricePerHour, int gpus, int hours, Token pay, decimal ioPriceUsd, FeeOptions fees)
    {
        try
        {
            var iosd = checked(pricePerHour * gpus * hours);
            var cost = pay == Token.IOSD ? iosd : checked(Convert(iosd, pay, ioPriceUsd) + 1);
            return checked(cost + fees.PaymentFee(pay, cost));
        }
        catch (OverflowException)
        {
            throw new FabricRejectedException("The cluster's cost overflows a 64-bit count of base units: ask for fewer GPUs or hours.");
        }
    }

    /// <summary>
    /// Splits <paramref name="payouts"/> over the open holds in order, each capture taking no more than its hold has
    /// left (payouts plus the payment fee). Throws when the holds together cannot pay.
    /// </summary>
    public static IReadOnlyList<PlannedCapture> Plan(
        IReadOnlyList<EscrowHold> holds, IReadOnlyList<Payout> payouts, Token pay, FeeOptions fees, string operationPrefix)
    {
        var captures = new List<PlannedCapture>();
        var queue = new Queue<Payout>(payouts.Where(p => p.Amount > 0));
        foreach (var hold in holds.Where(h => !h.Closed))
        {
            var capacity = MaxPayable(hold.Left, pay, fees);
            var taken = new List<Payout>();
            long paid = 0;
            while (queue.Count > 0 && paid < capacity)
            {
                var next = queue.Dequeue();
                var amount = Math.Min(capacity - paid, next.Amount);
                taken.Add(new Payout { To = next.To, Amount = amount });
                paid += amount;
                if (amount < next.Amount)
                {
                    // The rest of this payout goes to the next hold, ahead of the others.
                    queue = new Queue<Payout>([new Payout { To = next.To, Amount = next.Amount - amount }, .. queue]);
                }
            }

            if (taken.Count > 0)
            {
                var fee = fees.PaymentFee(pay, paid);
                captures.Add(new PlannedCapture
                {
                    OperationId = $"{operationPrefix}/{captures.Count}",
                    HoldId = hold.HoldId,
                    Payouts = Merge(taken),
                    Debit = paid + fee,
                    Fee = fee,
                });
            }

            if (queue.Count == 0)
            {
                break;
            }
        }

        if (queue.Count > 0)
        {
            throw new FabricRejectedException($"The cluster's escrow cannot cover {queue.Sum(p => p.Amount)} more base units.");
        }

        return captures;
    }

    /// <summary>The largest amount that can be paid out of <paramref name="left"/> with its payment fee on top.</summary>
    public static long MaxPayable(long left, Token pay, FeeOptions fees)
    {
        // The fee is monotone in the amount: binary search the largest amount that fits.
        long lo = 0, hi = Math.Max(0, left);
        while (lo < hi)
        {
            var mid = lo + (hi - lo + 1) / 2;
            if (mid + fees.PaymentFee(pay, mid) <= left)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return lo;
    }

    private static List<Payout> Merge(List<Payout> payouts) =>
        [.. payouts.GroupBy(p => p.To, StringComparer.Ordinal).Select(g => new Payout { To = g.Key, Amount = g.Sum(p => p.Amount) })];
}
