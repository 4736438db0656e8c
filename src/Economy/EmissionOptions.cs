namespace Fabric.Economy;

/// <summary>
/// Which emission schedule the network follows and its parameters, bound from "Fabric:Emission". Amounts are whole
/// IO here (configuration is written by people); schedules work in base units (1 IO = 10^8).
/// </summary>
/// <remarks>
/// Defaults are the network's published tokenomics (see shared/tokenomics.md): an 800,000,000 IO cap of which
/// 300,000,000 are minted at genesis, the other 500,000,000 emitted by <see cref="EmissionPresets.Decay"/>.
/// </remarks>
public sealed class EmissionOptions
{
    public const string Section = "Fabric:Emission";

    /// <summary>The schedule: <see cref="EmissionPresets.Decay"/> (default) or <see cref="EmissionPresets.Halving"/>.</summary>
    public string Preset { get; set; } = EmissionPresets.Decay;

    /// <summary>
    /// Start of emission hour 0; a whole UTC hour (the halving preset needs 1 January, 00:00 UTC). Default
    /// 2024-01-01T00:00Z, the first year of the source's halving table, shared by both presets so that switching
    /// presets changes the amounts, not the calendar.
    /// </summary>
    public DateTimeOffset Start { get; set; } = DefaultStart;

    /// <summary>Most IO that can ever exist.</summary>
    public long CapWholeIo { get; set; } = 800_000_000;

    /// <summary>IO minted at genesis (by the ledger, not by the schedule); the schedule emits at most cap − genesis.</summary>
    public long GenesisWholeIo { get; set; } = 300_000_000;

    /// <summary>Decay preset: number of months over which cap − genesis is emitted (240 = 20 years).</summary>
    public int DecayMonths { get; set; } = 240;

    /// <summary>Decay preset: each month's amount is the previous month's less this many basis points (102 = 1.02%).</summary>
    public int DecayMonthlyDecreaseBps { get; set; } = 102;

    /// <summary>Halving preset: whole IO emitted in each of the first years.</summary>
    public long HalvingFirstYearWholeIo { get; set; } = 6_000_000;

    /// <summary>Halving preset: the yearly amount halves after this many years.</summary>
    public int HalvingEveryYears { get; set; } = 2;

    /// <summary>2024-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>Names of the emission presets, as written in configuration (matched ignoring case).</summary>
public static class EmissionPresets
{
    /// <summary>Cap − genesis over <see cref="EmissionOptions.DecayMonths"/> months, each month 1.02% less than the last.</summary>
    public const string Decay = "decay";

    /// <summary>6,000,000 IO a year, halving every two years, until the yearly amount rounds to zero.</summary>
    public const string Halving = "halving";

    public static IReadOnlyList<string> All { get; } = [Decay, Halving];
}
