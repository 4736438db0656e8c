namespace Fabric.Buyback;

/// <summary>
/// The hourly buy-back (key <see cref="NetworkKey"/>): for each ended hour, exactly once and in order, a share of the
/// IOSD fee revenue the treasury received that hour buys IO at the oracle price, and that IO is burned.
/// </summary>
[Alias("fabric.IBurnGrain")]
public interface IBurnGrain : IGrainWithStringKey
{
    const string NetworkKey = "network";

    /// <summary>Starts the hourly reminder (each silo calls it at start-up; repeats only update the same reminder).</summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>Settles every ended hour not settled yet (what the reminder does). Returns the hours settled now.</summary>
    [Alias("Tick"), SiloOnly]
    Task<IReadOnlyList<BuybackRecord>> TickAsync();

    /// <summary>The newest settled hours, newest first.</summary>
    [Alias("History")]
    Task<IReadOnlyList<BuybackRecord>> GetHistoryAsync(int take);
}

/// <summary>One hour's buy-back. IOSD amounts in micro-USD base units, IO in 10^-8 IO.</summary>
[GenerateSerializer, Immutable, Alias("fabric.BuybackRecord")]
public sealed record BuybackRecord
{
    /// <summary>Start of the hour [Hour, Hour + 1 h) whose revenue this is.</summary>
    [Id(0)] public required DateTimeOffset Hour { get; init; }

    /// <summary>IOSD fees (payment + booking) the treasury received in captures that hour.</summary>
    [Id(1)] public required long RevenueIosd { get; init; }

    /// <summary>Share of revenue used, in basis points, from the price rule.</summary>
    [Id(2)] public required int ShareBps { get; init; }

    /// <summary>The oracle price used (micro-USD per IO); 0 when nothing was bought.</summary>
    [Id(3)] public required long MicroUsdPerIo { get; init; }

    /// <summary>IOSD paid from the treasury to the market wallet.</summary>
    [Id(4)] public required long SpentIosd { get; init; }

    /// <summary>IO burned from the treasury's IO.</summary>
    [Id(5)] public required long BurnedIo { get; init; }

    /// <summary>Why less than revenue × share was spent (no price, reserve short), or empty.</summary>
    [Id(6)] public required string Note { get; init; }
}
