using Fabric.Ledger;

namespace Fabric.Buyback;

/// <summary>
/// The IO/USD price (key <see cref="NetworkKey"/>), fed by the oracle's signed "price.set" requests and kept with a
/// bounded history. A price not signed by the configured oracle key, stale, out of order or absurd is refused.
/// </summary>
[Alias("fabric.IPriceFeedGrain")]
public interface IPriceFeedGrain : IGrainWithStringKey
{
    const string NetworkKey = "network";

    /// <summary>"price.set" signed by the oracle. Resending the same request returns the accepted price again.</summary>
    [Alias("Submit")]
    Task<PricePoint> SubmitAsync(SignedEnvelope request);

    /// <summary>The latest accepted price, or null before the first.</summary>
    [Alias("Current")]
    Task<PricePoint?> GetCurrentAsync();

    /// <summary>The newest accepted prices, newest first.</summary>
    [Alias("History")]
    Task<IReadOnlyList<PricePoint>> GetHistoryAsync(int take);
}

/// <summary>One accepted price: micro-USD per IO (2.5 USD = 2,500,000).</summary>
[GenerateSerializer, Immutable, Alias("fabric.PricePoint")]
public sealed record PricePoint
{
    [Id(0)] public required long MicroUsdPerIo { get; init; }

    /// <summary>When the oracle observed the price.</summary>
    [Id(1)] public required DateTimeOffset ObservedAt { get; init; }

    /// <summary>When Fabric accepted it.</summary>
    [Id(2)] public required DateTimeOffset AcceptedAt { get; init; }

    /// <summary>The oracle's request id (a resend is recognised by it).</summary>
    [Id(3)] public required Guid RequestId { get; init; }
}
