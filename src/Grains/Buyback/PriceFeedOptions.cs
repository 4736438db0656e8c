namespace Fabric.Buyback;

/// <summary>
/// What the price feed accepts from the oracle, bound from "Fabric:PriceFeed": sanity limits, not economics.
/// </summary>
public sealed class PriceFeedOptions
{
    public const string Section = "Fabric:PriceFeed";

    /// <summary>Lowest price accepted: 1 micro-USD per IO.</summary>
    public long MinMicroUsd { get; set; } = 1;

    /// <summary>Highest price accepted: 1,000,000 USD per IO.</summary>
    public long MaxMicroUsd { get; set; } = 1_000_000_000_000;

    /// <summary>A price more than this factor above or below the last accepted one is refused as absurd: 10.</summary>
    public int MaxChangeFactor { get; set; } = 10;

    /// <summary>A price observed longer ago than this is stale: 10 minutes.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How far ahead of Fabric's clock an observation may be: 1 minute.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Prices kept in the history: 1000.</summary>
    public int HistoryKept { get; set; } = 1000;

    /// <summary>Problems with the values, in words; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MinMicroUsd < 1 || MaxMicroUsd < MinMicroUsd)
        {
            problems.Add("Fabric:PriceFeed needs 1 <= MinMicroUsd <= MaxMicroUsd.");
        }

        if (MaxChangeFactor < 2 || MaxAge <= TimeSpan.Zero || MaxClockSkew < TimeSpan.Zero || HistoryKept is < 1 or > 100_000)
        {
            problems.Add("Fabric:PriceFeed needs MaxChangeFactor >= 2, MaxAge > 0, MaxClockSkew >= 0, HistoryKept 1 to 100000.");
        }

        return problems;
    }
}
