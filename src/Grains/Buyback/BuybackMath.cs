using Fabric.Money;

namespace Fabric.Buyback;

/// <summary>The buy-back's arithmetic, exact in base units and rounded down (the treasury never spends more than the rule).</summary>
public static class BuybackMath
{
    /// <summary>
    /// clamp(base × reference ÷ price, min, max) in basis points, the division rounding down; the base share is
    /// <paramref name="baseShareBps"/> (the live "burn-share-bps"), the rest of the rule from <paramref name="options"/>.
    /// </summary>
    public static int ShareBps(BurnOptions options, int baseShareBps, long microUsdPerIo)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(microUsdPerIo);
        ArgumentOutOfRangeException.ThrowIfNegative(baseShareBps);
        var raw = (Int128)baseShareBps * options.ReferenceMicroUsd / microUsdPerIo;
        return (int)Int128.Clamp(raw, options.MinShareBps, options.MaxShareBps);
    }

    /// <summary>IOSD base units of <paramref name="revenueIosd"/> used at <paramref name="shareBps"/>, rounded down.</summary>
    public static long Spend(long revenueIosd, int shareBps) => (long)((Int128)revenueIosd * shareBps / 10_000);

    /// <summary>IO base units that <paramref name="iosd"/> buys at the price, rounded down (IOSD: 6 decimals = micro-USD).</summary>
    public static long IoFor(long iosd, long microUsdPerIo) =>
        (long)((Int128)iosd * Token.IO.UnitsPerToken() / microUsdPerIo);

    /// <summary>IOSD base units that <paramref name="io"/> costs at the price, rounded down.</summary>
    public static long IosdFor(long io, long microUsdPerIo) =>
        (long)((Int128)io * microUsdPerIo / Token.IO.UnitsPerToken());
}
