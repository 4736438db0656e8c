namespace Fabric.Buyback;

/// <summary>
/// The hourly buy-back burn, bound from "Fabric:Burn". The share of an
/// hour's IOSD fee revenue that buys IO to burn follows the published rule
/// <c>share = clamp(BaseShareBps × ReferenceMicroUsd ÷ price, MinShareBps, MaxShareBps)</c>: at the reference price
/// half the revenue burns; a lower price burns more (up to 90%), a higher one less (down to 10%). The source
/// (shared/tokenomics.md) states the mechanism, not figures: these defaults are Fabric's own, the reference price
/// being the 2 USD/IO that renting used before the oracle. <see cref="BaseShareBps"/> is only the default of the
/// governable "burn-share-bps": the burn grain reads the live value from <c>IParametersGrain</c>, never this one.
/// </summary>
public sealed class BurnOptions
{
    public const string Section = "Fabric:Burn";

    /// <summary>Buy-backs run at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Share at the reference price: 5000 bps = 50%. The default of the governable "burn-share-bps".</summary>
    public int BaseShareBps { get; set; } = 5000;

    /// <summary>The price at which the share is the base share: 2,000,000 micro-USD = 2 USD per IO.</summary>
    public long ReferenceMicroUsd { get; set; } = 2_000_000;

    /// <summary>Lowest share: 1000 bps = 10%.</summary>
    public int MinShareBps { get; set; } = 1000;

    /// <summary>Highest share: 9000 bps = 90%.</summary>
    public int MaxShareBps { get; set; } = 9000;

    /// <summary>Wait after an hour ends before settling it, so captures of that hour still being written are in.</summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A price older than this when an hour settles is not used: the hour waits for a fresh one.</summary>
    public TimeSpan MaxPriceAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Settled hours kept in the grain's history (the ledger keeps every burn).</summary>
    public int HistoryKept { get; set; } = 24 * 30;

    /// <summary>Problems with the values, in words; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (BaseShareBps is < 0 or > 10_000 || MinShareBps is < 0 or > 10_000 || MaxShareBps is < 0 or > 10_000 || MinShareBps > MaxShareBps)
        {
            problems.Add("Fabric:Burn needs 0 <= MinShareBps <= MaxShareBps <= 10000 and BaseShareBps between 0 and 10000.");
        }

        if (ReferenceMicroUsd <= 0)
        {
            problems.Add("Fabric:Burn:ReferenceMicroUsd must be positive.");
        }

        if (SettleDelay < TimeSpan.Zero || SettleDelay >= TimeSpan.FromHours(1) || MaxPriceAge <= TimeSpan.Zero)
        {
            problems.Add("Fabric:Burn needs 0 <= SettleDelay < 1 hour and MaxPriceAge > 0.");
        }

        if (HistoryKept is < 1 or > 100_000)
        {
            problems.Add("Fabric:Burn:HistoryKept must be 1 to 100000.");
        }

        return problems;
    }
}
