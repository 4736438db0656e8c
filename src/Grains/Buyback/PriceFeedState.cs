using System.Collections.Immutable;

namespace Fabric.Buyback;

/// <summary>What the price feed keeps in storage.</summary>
[GenerateSerializer, Alias("fabric.PriceFeedState")]
public sealed record PriceFeedState
{
    /// <summary>Accepted prices, oldest first (bounded).</summary>
    [Id(0)] public ImmutableList<PricePoint> History { get; init; } = [];
}
