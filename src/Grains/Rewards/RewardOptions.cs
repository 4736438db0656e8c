namespace Fabric.Rewards;

/// <summary>
/// How each hour's issuance is shared, bound from "Fabric:Rewards". Defaults and their sources are in the README
/// (Configuration): the GPU/CPU split is the network's published tokenomics; the tier weights are Fabric's own. The
/// tier weights and <see cref="StakeBonusBps"/> are only the defaults of governable parameters ("reward-weight-*-bps",
/// "reward-stake-bonus-bps"): the reward grain reads the live values from <c>IParametersGrain</c>, never these.
/// </summary>
public sealed class RewardOptions
{
    public const string Section = "Fabric:Rewards";

    /// <summary>
    /// Weight of an uptime second at each verified tier (Unverified earns nothing), 0 to 10 in steps of 0.0001: the
    /// default of "reward-weight-low-bps" (and medium, high, ultra) is the weight × 10,000.
    /// </summary>
    public decimal WeightLow { get; set; } = 1;

    public decimal WeightMedium { get; set; } = 2;

    public decimal WeightHigh { get; set; } = 3;

    public decimal WeightUltra { get; set; } = 4;

    /// <summary>
    /// The GPU suppliers' share of each hour's issuance, in basis points (9,500 = 95%); the rest is the CPU pool, which
    /// is not minted while Fabric has no CPU devices.
    /// </summary>
    public int GpuPoolBps { get; set; } = 9_500;

    /// <summary>
    /// Extra share of a staked device's uptime, in basis points (2,500 = +25%); Fabric's own default, and the default of
    /// the governable "reward-stake-bonus-bps".
    /// </summary>
    public int StakeBonusBps { get; set; } = 2_500;

    /// <summary>An hour is distributed this long after it closes, so heartbeats that end it have landed.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Period of the reward reminder.</summary>
    public TimeSpan RunEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most epochs one run distributes (catching up after downtime continues in further runs a second apart).</summary>
    public int MaxEpochsPerRun { get; set; } = 24;

    /// <summary>Hours of per-device shares kept for <c>device earnings</c> (totals per device are kept for ever).</summary>
    public int DeviceHistoryHours { get; set; } = 48;

    /// <summary>Every problem with the settings, one sentence each, naming the key.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (StakeBonusBps is < 0 or > 100_000)
        {
            problems.Add($"Fabric:Rewards:StakeBonusBps {StakeBonusBps} must be between 0 and 100000.");
        }

        foreach (var (name, weight) in new[] { ("WeightLow", WeightLow), ("WeightMedium", WeightMedium), ("WeightHigh", WeightHigh), ("WeightUltra", WeightUltra) })
        {
            if (weight is < 0 or > 10 || decimal.Truncate(weight * 10_000) != weight * 10_000)
            {
                problems.Add($"{Section}:{name} {weight} must be between 0 and 10 in steps of 0.0001 (the default of a reward weight parameter, in basis points of one).");
            }
        }

        if (GpuPoolBps is < 0 or > 10_000)
        {
            problems.Add($"{Section}:GpuPoolBps {GpuPoolBps} must be between 0 and 10000 basis points.");
        }

        if (Grace < TimeSpan.Zero || Grace >= TimeSpan.FromHours(1))
        {
            problems.Add($"{Section}:Grace {Grace} must be at least 0 and under an hour.");
        }

        if (RunEvery < TimeSpan.FromMinutes(1) || RunEvery > TimeSpan.FromHours(1))
        {
            problems.Add($"{Section}:RunEvery {RunEvery} must be between 1 minute and 1 hour.");
        }

        if (MaxEpochsPerRun is < 1 or > 1_000)
        {
            problems.Add($"{Section}:MaxEpochsPerRun {MaxEpochsPerRun} must be between 1 and 1000.");
        }

        if (DeviceHistoryHours is < 1 or > 24 * 366)
        {
            problems.Add($"{Section}:DeviceHistoryHours {DeviceHistoryHours} must be between 1 and 8784.");
        }

        return problems;
    }
}
