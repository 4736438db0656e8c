using Fabric.Money;

namespace Fabric.Staking;

/// <summary>Where a slash goes.</summary>
public enum SlashDestination
{
    /// <summary>Out of existence (supply:burned).</summary>
    Burn = 0,

    /// <summary>To the renter of the cluster the fault hurt; burned when the device was not rented.</summary>
    Renter = 1,
}

/// <summary>
/// Staking and slashing, bound from "Fabric:Staking". Defaults from shared/tokenomics.md: minimum stake 200 IO ×
/// max(1, hardware multiplier) × GPUs, the multipliers table, a 14-day unstake cooldown; the slash share is Fabric's
/// own (the source names offences, not a rate). <see cref="MinimumPerGpuIo"/> and <see cref="SlashBps"/> are only the
/// defaults of the governable parameters "minimum-stake-io" and "slash-share-bps": the stake grain reads the live
/// values from <c>IParametersGrain</c>, never these. The other settings are read per call.
/// </summary>
public sealed class StakingOptions
{
    public const string Section = "Fabric:Staking";

    /// <summary>
    /// Whole IO per GPU before the hardware multiplier: 200 (tokenomics: "minimum stake"). The default of the governable
    /// "minimum-stake-io", so a whole number of IO within its bounds (0 to 1,000,000).
    /// </summary>
    public decimal MinimumPerGpuIo { get; set; } = 200m;

    /// <summary>
    /// Hardware multiplier per pool model name (tokenomics: H200 12, H100 10, B200 30, A100-80GB 5, RTX 4090 1.25);
    /// configuration adds or overrides entries. Matched case-insensitively.
    /// </summary>
    public Dictionary<string, decimal> HardwareMultipliers { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["B200"] = 30m,
        ["H200"] = 12m,
        ["H100"] = 10m,
        ["A100 80GB"] = 5m,
        ["RTX 4090"] = 1.25m,
    };

    /// <summary>Multiplier of a model not in the table ("others in a table the operator keeps"): 1.</summary>
    public decimal DefaultMultiplier { get; set; } = 1m;

    /// <summary>From "stake.unstake" until "stake.withdraw" is allowed: 14 days (tokenomics).</summary>
    public TimeSpan Cooldown { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// Share of the device's stake (active + cooling down) taken per fault, in basis points: 1000 = 10%. The default of
    /// the governable "slash-share-bps".
    /// </summary>
    public int SlashBps { get; set; } = 1000;

    /// <summary>
    /// Burn (default: tokenomics, "then the slashed IO is burned") or pay the harmed renter (the alternative the issue
    /// names).
    /// </summary>
    public SlashDestination SlashTo { get; set; } = SlashDestination.Burn;

    /// <summary>Slash records kept per device (fault ids are also the ledger's operation ids, kept forever).</summary>
    public int FaultsKept { get; set; } = 100;

    /// <summary>The multiplier of <paramref name="model"/>.</summary>
    public decimal MultiplierOf(string model) => HardwareMultipliers.TryGetValue(model, out var m) ? m : DefaultMultiplier;

    /// <summary>
    /// Minimum stake of a device with <paramref name="gpus"/> GPUs of <paramref name="model"/>, in IO base units, when the
    /// minimum per GPU is <paramref name="perGpuIo"/> whole IO (the live "minimum-stake-io").
    /// </summary>
    public long MinimumStake(string model, int gpus, long perGpuIo)
    {
        var wholeIo = perGpuIo * Math.Max(1m, MultiplierOf(model)) * Math.Max(1, gpus);
        // Base units: 10^8 per IO; a multiplier with more decimals than that rounds up (never below the rule).
        return (long)decimal.Ceiling(wholeIo * Token.IO.UnitsPerToken());
    }

    /// <summary>Problems with the values, in words; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MinimumPerGpuIo is < 0 or > 1_000_000m || decimal.Truncate(MinimumPerGpuIo) != MinimumPerGpuIo)
        {
            problems.Add($"Fabric:Staking:MinimumPerGpuIo {MinimumPerGpuIo} must be a whole number of IO between 0 and 1,000,000 (the bounds of minimum-stake-io).");
        }

        if (DefaultMultiplier < 0 || HardwareMultipliers.Values.Any(m => m is < 0 or > 10_000m))
        {
            problems.Add("Fabric:Staking hardware multipliers must be between 0 and 10,000.");
        }

        if (Cooldown < TimeSpan.Zero || Cooldown > TimeSpan.FromDays(365))
        {
            problems.Add("Fabric:Staking:Cooldown must be between 0 and 365 days.");
        }

        if (SlashBps is < 0 or > 10_000)
        {
            problems.Add($"Fabric:Staking:SlashBps {SlashBps} must be between 0 and 10000 basis points.");
        }

        if (!Enum.IsDefined(SlashTo))
        {
            problems.Add("Fabric:Staking:SlashTo must be Burn or Renter.");
        }

        if (FaultsKept is < 1 or > 10_000)
        {
            problems.Add("Fabric:Staking:FaultsKept must be 1 to 10000.");
        }

        return problems;
    }
}
