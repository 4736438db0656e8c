using Fabric.Ledger;

namespace Fabric.Staking;

/// <summary>The staking arithmetic: exact in IO base units, rounded down (a slash never takes more than its share).</summary>
public static class StakeRules
{
    /// <summary><paramref name="bps"/> basis points of <paramref name="staked"/>, rounded down.</summary>
    public static long Share(long staked, int bps) => (long)((Int128)staked * bps / 10_000);

    /// <summary>
    /// Takes <paramref name="amount"/> from the holds oldest first, each at most what it has left. Returns the slices
    /// and the holds after them.
    /// </summary>
    public static (IReadOnlyList<HoldSlice> Slices, IReadOnlyList<StakeHold> After) Take(IReadOnlyList<StakeHold> holds, long amount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(amount);
        var slices = new List<HoldSlice>();
        var after = new List<StakeHold>();
        var rest = amount;
        foreach (var hold in holds)
        {
            var take = Math.Min(rest, hold.Left);
            if (take > 0)
            {
                slices.Add(new HoldSlice { HoldId = hold.HoldId, Amount = take });
                rest -= take;
            }

            after.Add(hold with { Left = hold.Left - take });
        }

        if (rest > 0)
        {
            throw new InvalidOperationException($"The holds have {amount - rest} base units, less than the {amount} to take.");
        }

        return (slices, after);
    }
}
