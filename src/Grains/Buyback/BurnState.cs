using System.Collections.Immutable;

namespace Fabric.Buyback;

/// <summary>What the burn grain keeps in storage.</summary>
[GenerateSerializer, Alias("fabric.BurnState")]
public sealed record BurnState
{
    /// <summary>The next hour to settle; null before the first activation sets it to the hour then current.</summary>
    [Id(0)] public DateTimeOffset? NextHour { get; init; }

    /// <summary>
    /// An hour's buy-back written before it is applied: after a crash the same ledger operations (same ids, same
    /// amounts) are applied again, which the ledger answers as duplicates for those already done.
    /// </summary>
    [Id(1)] public BuybackRecord? Pending { get; init; }

    /// <summary>Settled hours, oldest first (bounded).</summary>
    [Id(2)] public ImmutableList<BuybackRecord> History { get; init; } = [];
}
