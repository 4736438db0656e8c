namespace Fabric.Verification;

/// <summary>A model's expected hash rate on the verification challenge, and the tier that rate earns.</summary>
public sealed record GpuCalibration(string Model, double ExpectedHashesPerSecond)
{
    public PerformanceTier Tier => PerformanceTiers.TierFor(ExpectedHashesPerSecond);
}

/// <summary>Where a measured rate places a device, next to what it claimed.</summary>
/// <param name="Shown">The tier earned by the measured rate, never above <paramref name="Claimed"/>.</param>
/// <param name="Claimed">The tier of the claimed model (Low for an unlisted model).</param>
/// <param name="MatchesClaim">The measured rate is at least <see cref="PerformanceTiers.ClaimMatchFraction"/> of the claimed model's expected rate.</param>
public readonly record struct TierClassification(PerformanceTier Shown, PerformanceTier Claimed, bool MatchesClaim);

/// <summary>A challenge size for a claimed model: an honest device needs about the target time; <paramref name="Allowed"/> is the deadline.</summary>
public readonly record struct ChallengeSize(int Leaves, int Rounds, TimeSpan Allowed);

/// <summary>
/// Maps claimed GPU models to the hash rate Fabric expects of them on the challenge, and measured rates to tiers.
/// </summary>
/// <remarks>
/// <para>The rates in <see cref="Models"/> are Fabric's calibration figures for this workload (independent chains
/// of SHA-256 over 32-byte inputs), set in line with public SHA-256 cracking benchmarks; they are not vendor numbers
/// and are to be replaced by measurements of the Fabric device agent's own kernel. The challenge measures integer
/// hashing throughput only, not tensor throughput or memory bandwidth (so a consumer RTX 4090 rates with an H100
/// here). A CPU-simulated device, at millions rather than billions of hashes per second, lands in
/// <see cref="PerformanceTier.Low"/>.</para>
/// <para>Tier floors (hashes per second): Ultra ≥ 15e9, High ≥ 7e9, Medium ≥ 2.5e9, Low &gt; 0; no rate (or a
/// failed verdict's 0) is Unverified.</para>
/// </remarks>
public static class PerformanceTiers
{
    /// <summary>A device matches its claim when it shows at least this fraction of the claimed model's rate.</summary>
    public const double ClaimMatchFraction = 0.5;

    /// <summary>The deadline is this many times the target duration (see <see cref="SizeFor"/>).</summary>
    public const int DeadlineFactor = 3;

    private const double UltraFloor = 15e9;
    private const double HighFloor = 7e9;
    private const double MediumFloor = 2.5e9;

    // Sizing: 2^20 independent leaves fill any listed GPU (an H100 runs ~270k threads at once). When that would mean
    // more than RoundsSoftCap rounds per leaf, the leaves double (up to 2^22, 256 MiB of prover memory) so the
    // silo's check, k × Rounds hashes, stays small.
    private const int SizingLeaves = 1 << 20;
    private const int SizingMaxLeaves = 1 << 22;
    private const int RoundsSoftCap = 4096;

    /// <summary>Fabric's calibration table, fastest first.</summary>
    public static IReadOnlyList<GpuCalibration> Models { get; } =
    [
        new("B200", 32e9),
        new("RTX 4090", 21e9),
        new("H200", 20e9),
        new("H100", 20e9),
        new("L40S", 18e9),
        new("A100", 10e9),
        new("RTX 3090", 9e9),
        new("A10", 4.5e9),
        new("T4", 1.5e9),
    ];

    /// <summary>Any model not in <see cref="Models"/> (CPUs, simulators, unlisted GPUs): sized like a couple of CPU cores, tiered at most Low.</summary>
    public static GpuCalibration Fallback { get; } = new("unlisted", 2e6);

    /// <summary>The tier a measured rate earns on its own (before capping at the claim).</summary>
    public static PerformanceTier TierFor(double hashesPerSecond) => hashesPerSecond switch
    {
        >= UltraFloor => PerformanceTier.Ultra,
        >= HighFloor => PerformanceTier.High,
        >= MediumFloor => PerformanceTier.Medium,
        > 0 => PerformanceTier.Low,
        _ => PerformanceTier.Unverified, // zero, negative, NaN
    };

    /// <summary>
    /// The calibration for a claimed model name, matched on whole words ignoring case and punctuation:
    /// "NVIDIA A100-SXM4-80GB" is an A100 (not an A10), "NVIDIA GeForce RTX 4090" an RTX 4090; otherwise
    /// <see cref="Fallback"/>.
    /// </summary>
    public static GpuCalibration Lookup(string? claimedModel)
    {
        var words = " " + Normalise(claimedModel) + " ";
        GpuCalibration? best = null;
        foreach (var model in Models)
        {
            var key = " " + Normalise(model.Model) + " ";
            if (words.Contains(key, StringComparison.Ordinal) && (best is null || model.Model.Length > best.Model.Length))
            {
                best = model;
            }
        }

        return best ?? Fallback;
    }

    /// <summary>Tiers a device by the rate it showed, capped at its claim, and says whether the rate fits the claim.</summary>
    public static TierClassification Classify(string? claimedModel, double measuredHashesPerSecond)
    {
        var claim = Lookup(claimedModel);
        var claimed = ReferenceEquals(claim, Fallback) ? PerformanceTier.Low : claim.Tier;
        var measured = TierFor(measuredHashesPerSecond);
        var shown = measured < claimed ? measured : claimed;
        var matches = measuredHashesPerSecond >= ClaimMatchFraction * claim.ExpectedHashesPerSecond;
        return new TierClassification(shown, claimed, matches);
    }

    /// <summary>
    /// Sizes a challenge so an honest device of the claimed model needs about <paramref name="targetDuration"/>:
    /// work W = expected rate × target seconds; Leaves = 2^20, doubled (to at most 2^22) while W / Leaves &gt; 4096,
    /// halved (to at least 2^8) while W / Leaves &lt; 1; Rounds = W / Leaves rounded, within 1..1 000 000.
    /// The deadline rule: Allowed = <see cref="DeadlineFactor"/> × target, so a device slower than a third of its
    /// claim is Late, and one between a third and <see cref="ClaimMatchFraction"/> passes but does not match its claim.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="targetDuration"/> is not positive.</exception>
    public static ChallengeSize SizeFor(string? claimedModel, TimeSpan targetDuration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(targetDuration, TimeSpan.Zero);
        var work = Lookup(claimedModel).ExpectedHashesPerSecond * targetDuration.TotalSeconds;

        var leaves = SizingLeaves;
        while (leaves < SizingMaxLeaves && work / leaves > RoundsSoftCap)
        {
            leaves *= 2;
        }

        while (leaves > ChallengeSpec.MinLeaves && work / leaves < 1)
        {
            leaves /= 2;
        }

        var rounds = (int)Math.Clamp(Math.Round(work / leaves), 1, ChallengeSpec.MaxRounds);
        return new ChallengeSize(leaves, rounds, targetDuration * DeadlineFactor);
    }

    private static string Normalise(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return string.Empty;
        }

        var chars = name.ToUpperInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : ' ').ToArray();
        return string.Join(' ', new string(chars).Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
