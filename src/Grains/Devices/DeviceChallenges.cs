using System.Security.Cryptography;
using Fabric.Verification;

namespace Fabric.Devices;

/// <summary>A challenge sent to a device, and (once answered) its root and the leaves sampled from it.</summary>
internal sealed record PendingChallenge(ChallengeSpec Spec, ChallengeData Data, byte[]? Root = null, DateTimeOffset? RootAt = null, IReadOnlyList<int>? Samples = null);

/// <summary>
/// Issues and checks verification challenges for device grains: sized so an honest device of the claimed model needs
/// about <see cref="PoolOptions.ChallengeTarget"/>, due by <see cref="PerformanceTiers.DeadlineFactor"/> times that, checked on a
/// random sample of leaves.
/// </summary>
internal sealed class DeviceChallenges(PoolOptions options, TimeProvider time)
{
    /// <summary>Leaves opened per check: a prover that skipped a tenth of the work escapes with probability 0.9^32 ≈ 3%.</summary>
    public const int Samples = 32;

    /// <summary>
    /// A fresh challenge sized for the claimed model. Simulated devices have no GPU: theirs is sized for the CPU
    /// calibration, so they can answer, and they are tiered by the CPU rate they show.
    /// </summary>
    public PendingChallenge Issue(string claimedModel, bool simulated)
    {
        // A simulated device is a CPU thread, often one of many sharing a small machine: its challenge is a quarter of
        // the usual work with ten times the usual time. Its timing proves little either way; its tier is Low.
        var size = simulated
            ? PerformanceTiers.SizeFor(PerformanceTiers.Fallback.Model, options.ChallengeTarget / 4) with { Allowed = options.ChallengeTarget * 10 }
            : PerformanceTiers.SizeFor(claimedModel, options.ChallengeTarget);
        var spec = ChallengeSpec.Create(time, size.Leaves, size.Rounds, size.Allowed);
        return new PendingChallenge(spec, new ChallengeData
        {
            Id = spec.Id,
            Seed = spec.Seed.ToArray(),
            Leaves = spec.Leaves,
            Rounds = spec.Rounds,
            IssuedAt = spec.IssuedAt,
            Deadline = spec.Deadline,
        });
    }

    public static IReadOnlyList<int> Sample(ChallengeSpec spec) => ChallengeChecker.PickSamples(spec, Math.Min(Samples, spec.Leaves));

    /// <summary>
    /// Checks a device's openings. A simulated device is tiered by the CPU rate it shows and has no GPU claim its rate
    /// could contradict; a real one is judged against the model it claims.
    /// </summary>
    public VerificationOutcome Check(PendingChallenge pending, string claimedModel, bool simulated, IReadOnlyList<LeafOpeningData> openings)
    {
        var verdict = ChallengeChecker.Verify(
            pending.Spec,
            pending.Root,
            pending.Samples,
            [.. (openings ?? []).Select(o => o is null ? null : new LeafOpening
            {
                Index = o.Index,
                Leaf = o.Leaf ?? [],
                Path = [.. (o.Path ?? []).Select(p => (ReadOnlyMemory<byte>)(p ?? []))],
            })],
            pending.RootAt ?? time.GetUtcNow());
        if (!verdict.Passed)
        {
            return new VerificationOutcome
            {
                Passed = false, Detail = verdict.Detail, Tier = DeviceTier.Unverified, MeasuredHashesPerSecond = 0, MatchesClaim = false,
            };
        }

        var rate = (long)verdict.MeasuredHashesPerSecond;
        if (simulated)
        {
            var tier = PerformanceTiers.Classify(PerformanceTiers.Fallback.Model, verdict.MeasuredHashesPerSecond).Shown;
            return new VerificationOutcome
            {
                Passed = true,
                Detail = $"answered correctly at {rate:N0} hashes/s, simulated on a CPU: tier {tier}",
                Tier = (DeviceTier)(int)tier,
                MeasuredHashesPerSecond = rate,
                MatchesClaim = true,
            };
        }

        var (shown, _, matches) = PerformanceTiers.Classify(claimedModel, verdict.MeasuredHashesPerSecond);
        var expected = PerformanceTiers.Lookup(claimedModel);
        var of = ReferenceEquals(expected, PerformanceTiers.Fallback) ? "an unlisted model" : $"model {expected.Model}";
        return new VerificationOutcome
        {
            Passed = true,
            Detail = matches
                ? $"answered correctly at {rate:N0} hashes/s: tier {shown}"
                : $"answered correctly but at {rate:N0} hashes/s, under half the {expected.ExpectedHashesPerSecond:N0} expected of {of}: tiered {shown} by what it showed",
            Tier = (DeviceTier)(int)shown,
            MeasuredHashesPerSecond = rate,
            MatchesClaim = matches,
        };
    }

    /// <summary>A random delay before the next re-verification, so a device cannot prepare for it.</summary>
    public TimeSpan NextReverification()
    {
        var spread = (options.ReverifyMax - options.ReverifyMin).Ticks;
        return options.ReverifyMin + TimeSpan.FromTicks(spread <= 0 ? 0 : RandomNumberGenerator.GetInt32((int)Math.Min(spread / TimeSpan.TicksPerSecond, int.MaxValue)) * TimeSpan.TicksPerSecond);
    }
}
