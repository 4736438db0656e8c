namespace Fabric.Verification.Tests;

public sealed class ChallengeCheckerTests
{
    private static readonly ChallengeSpec Spec = TestChallenges.Spec(1024, rounds: 4);
    private static readonly ChallengeSolution Honest = ChallengeSolver.Solve(Spec, parallelism: 2);

    [Fact]
    public void An_honest_solution_passes_and_measures_its_rate()
    {
        var requested = ChallengeChecker.PickSamples(Spec, 32, new DeterministicRandom("honest"));

        var verdict = TestChallenges.Answer(Spec, Honest, requested, after: TimeSpan.FromSeconds(2));

        Assert.True(verdict.Passed, verdict.Detail);
        Assert.Equal(VerdictReason.Passed, verdict.Reason);
        Assert.Equal(Spec.Id, verdict.ChallengeId);
        Assert.Equal(TimeSpan.FromSeconds(2), verdict.Elapsed);
        Assert.Equal(1024.0 * 4 / 2, verdict.MeasuredHashesPerSecond);
        Assert.Equal("All 32 sampled leaves of 1024 check out; the root arrived 2 s after issue (2.048e+3 hashes/s).", verdict.Detail);
    }

    [Fact]
    public void A_solution_for_a_different_seed_fails_with_wrong_leaf()
    {
        var other = ChallengeSolver.Solve(TestChallenges.Spec(1024, rounds: 4, seedLabel: "precomputed"), parallelism: 2);
        var requested = ChallengeChecker.PickSamples(Spec, 8, new DeterministicRandom("other seed"));

        var verdict = ChallengeChecker.Verify(Spec, other.Root, requested, other.Open(requested), Spec.IssuedAt.AddSeconds(1));

        Assert.Equal(VerdictReason.WrongLeaf, verdict.Reason);
        Assert.False(verdict.Passed);
        Assert.Equal(0, verdict.MeasuredHashesPerSecond);
        Assert.Equal(
            $"Leaf {requested[0]} is not the result of 4 SHA-256 rounds over this challenge's seed.",
            verdict.Detail);
    }

    [Fact]
    public void Openings_from_a_different_tree_against_the_honest_root_fail_with_bad_path()
    {
        var other = ChallengeSolver.Solve(TestChallenges.Spec(1024, rounds: 4, seedLabel: "precomputed"), parallelism: 2);
        var requested = ChallengeChecker.PickSamples(Spec, 8, new DeterministicRandom("mixed"));

        var verdict = ChallengeChecker.Verify(Spec, Honest.Root, requested, other.Open(requested), Spec.IssuedAt.AddSeconds(1));

        Assert.Equal(VerdictReason.BadPath, verdict.Reason);
    }

    [Fact]
    public void A_prover_that_computed_half_the_leaves_is_caught_by_32_samples()
    {
        var leaves = TestChallenges.HonestLeaves(Spec);
        Array.Clear(leaves, 512 * 32, 512 * 32); // the second half left as zeros, under a valid tree
        var partial = ChallengeSolution.FromLeaves(Spec, leaves);
        var requested = ChallengeChecker.PickSamples(Spec, 32, new DeterministicRandom("half"));

        var verdict = TestChallenges.Answer(Spec, partial, requested);

        Assert.Equal(VerdictReason.WrongLeaf, verdict.Reason);
        Assert.Equal(requested.First(i => i >= 512), int.Parse(verdict.Detail.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_prover_that_skipped_a_quarter_of_the_leaves_is_caught_by_every_one_of_100_samples_of_32()
    {
        var leaves = TestChallenges.HonestLeaves(Spec);
        Array.Clear(leaves, 768 * 32, 256 * 32);
        var partial = ChallengeSolution.FromLeaves(Spec, leaves);

        // Each escapes with probability at most 0.75^32 ≈ 1e-4; with these fixed draws, none does.
        var escaped = Enumerable.Range(0, 100)
            .Select(draw => ChallengeChecker.PickSamples(Spec, 32, new DeterministicRandom($"quarter {draw}")))
            .Count(requested => TestChallenges.Answer(Spec, partial, requested).Passed);

        Assert.Equal(0, escaped);
    }

    [Theory]
    [InlineData(0.5, 1e-9, 30)]
    [InlineData(0.8, 1e-3, 31)]
    [InlineData(0.99, 0.01, 459)]
    [InlineData(0.0, 0.5, 1)]
    public void Samples_needed_is_the_least_k_with_honest_fraction_to_the_k_at_most_the_miss_probability(double honest, double miss, int expected)
    {
        var k = ChallengeChecker.SamplesNeeded(honest, miss);

        Assert.Equal(expected, k);
        Assert.True(Math.Pow(honest, k) <= miss);
        Assert.True(k == 1 || Math.Pow(honest, k - 1) > miss);
    }

    [Fact]
    public void A_root_received_after_the_deadline_is_late()
    {
        var requested = ChallengeChecker.PickSamples(Spec, 4, new DeterministicRandom("late"));

        var late = TestChallenges.Answer(Spec, Honest, requested, after: TestChallenges.Allowed + TimeSpan.FromTicks(1));
        var justInTime = TestChallenges.Answer(Spec, Honest, requested, after: TestChallenges.Allowed);

        Assert.Equal(VerdictReason.Late, late.Reason);
        Assert.Equal(0, late.MeasuredHashesPerSecond);
        Assert.Equal(0, late.HashesComputed);
        Assert.Equal("The root arrived 10 s after issue, 0 s past the deadline.", late.Detail);
        Assert.True(justInTime.Passed, justInTime.Detail);
    }

    [Fact]
    public void Picked_samples_are_distinct_ascending_in_range_and_replayable()
    {
        var first = ChallengeChecker.PickSamples(Spec, 300, new DeterministicRandom("samples"));
        var again = ChallengeChecker.PickSamples(Spec, 300, new DeterministicRandom("samples"));
        var fresh = ChallengeChecker.PickSamples(Spec, 300);

        Assert.Equal(300, first.Distinct().Count());
        Assert.Equal(first.Order(), first);
        Assert.All(first, i => Assert.InRange(i, 0, Spec.Leaves - 1));
        Assert.Equal(first, again);
        Assert.Equal(300, fresh.Distinct().Count());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(513)]
    public void Picking_none_or_more_than_half_the_leaves_is_rejected(int count) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ChallengeChecker.PickSamples(Spec, count));

    [Fact]
    public void Checking_costs_a_small_fraction_of_solving()
    {
        var spec = TestChallenges.Spec(4096, rounds: 16);
        var solution = ChallengeSolver.Solve(spec, parallelism: 2);
        var requested = ChallengeChecker.PickSamples(spec, 16, new DeterministicRandom("cost"));

        var verdict = TestChallenges.Answer(spec, solution, requested);

        Assert.True(verdict.Passed, verdict.Detail);
        Assert.Equal((4096L * 16) + (2 * 4096) - 1, solution.HashesComputed);
        Assert.Equal(16L * (16 + 12 + 1), verdict.HashesComputed); // k × (Rounds + log2(Leaves) + 1)
        Assert.True(verdict.HashesComputed * 100 < solution.HashesComputed, "checking should cost under 1% of solving");
    }

    [Fact]
    public void A_forged_path_is_rejected_before_any_leaf_is_recomputed()
    {
        var requested = ChallengeChecker.PickSamples(Spec, 8, new DeterministicRandom("forged"));
        var openings = Honest.Open(requested).ToArray();
        var path = openings[^1].Path.Select(s => s.ToArray()).ToArray();
        path[0][0] ^= 1;
        openings[^1] = openings[^1] with { Path = [.. path.Select(s => (ReadOnlyMemory<byte>)s)] };

        var verdict = ChallengeChecker.Verify(Spec, Honest.Root, requested, openings, Spec.IssuedAt.AddSeconds(1));

        Assert.Equal(VerdictReason.BadPath, verdict.Reason);
        Assert.Equal(8L * (10 + 1), verdict.HashesComputed);
    }

    public static TheoryData<string, VerdictReason> BadAnswers => new()
    {
        { "no spec", VerdictReason.Malformed },
        { "root of 31 bytes", VerdictReason.Malformed },
        { "null root", VerdictReason.Malformed },
        { "null request list", VerdictReason.Malformed },
        { "empty request list", VerdictReason.Malformed },
        { "index requested twice", VerdictReason.Malformed },
        { "negative index requested", VerdictReason.Malformed },
        { "index past the last leaf requested", VerdictReason.Malformed },
        { "null opening list", VerdictReason.Malformed },
        { "null opening", VerdictReason.Malformed },
        { "leaf of 31 bytes", VerdictReason.Malformed },
        { "empty leaf", VerdictReason.Malformed },
        { "path one sibling short", VerdictReason.Malformed },
        { "path one sibling long", VerdictReason.Malformed },
        { "null path", VerdictReason.Malformed },
        { "sibling of 33 bytes", VerdictReason.Malformed },
        { "root received before issue", VerdictReason.Malformed },
        { "opening for a leaf not requested", VerdictReason.WrongIndices },
        { "opening for an index past the last leaf", VerdictReason.WrongIndices },
        { "two openings for one leaf", VerdictReason.WrongIndices },
        { "an opening left out", VerdictReason.MissingOpening },
        { "no openings at all", VerdictReason.MissingOpening },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public void A_bad_answer_fails_with_its_reason_and_never_throws(string badness, VerdictReason expected)
    {
        ChallengeSpec? spec = Spec;
        byte[]? root = Honest.Root.ToArray();
        IReadOnlyList<int>? requested = [3, 100, 900];
        var openings = Honest.Open([3, 100, 900]).Cast<LeafOpening?>().ToList();
        List<LeafOpening?>? given = openings;
        var receivedAt = Spec.IssuedAt.AddSeconds(1);
        var first = openings[0]!;

        switch (badness)
        {
            case "no spec": spec = null; break;
            case "root of 31 bytes": root = root[..31]; break;
            case "null root": root = null; break;
            case "null request list": requested = null; break;
            case "empty request list": requested = []; break;
            case "index requested twice": requested = [3, 100, 3]; break;
            case "negative index requested": requested = [3, 100, -1]; break;
            case "index past the last leaf requested": requested = [3, 100, 1024]; break;
            case "null opening list": given = null; break;
            case "null opening": openings[1] = null; break;
            case "leaf of 31 bytes": openings[0] = first with { Leaf = first.Leaf[..31] }; break;
            case "empty leaf": openings[0] = first with { Leaf = ReadOnlyMemory<byte>.Empty }; break;
            case "path one sibling short": openings[0] = first with { Path = [.. first.Path.Skip(1)] }; break;
            case "path one sibling long": openings[0] = first with { Path = [.. first.Path, first.Path[0]] }; break;
            case "null path": openings[0] = first with { Path = null! }; break;
            case "sibling of 33 bytes": openings[0] = first with { Path = [new byte[33], .. first.Path.Skip(1)] }; break;
            case "root received before issue": receivedAt = Spec.IssuedAt.AddTicks(-1); break;
            case "opening for a leaf not requested": openings[2] = Honest.Open([901])[0]; break;
            case "opening for an index past the last leaf": openings[2] = first with { Index = 1024 }; break;
            case "two openings for one leaf": openings[2] = first; break;
            case "an opening left out": openings.RemoveAt(1); break;
            case "no openings at all": openings.Clear(); break;
            default: throw new ArgumentOutOfRangeException(nameof(badness), badness, "unknown case");
        }

        var verdict = ChallengeChecker.Verify(spec, root, requested, given, receivedAt);

        Assert.Equal(expected, verdict.Reason);
        Assert.False(verdict.Passed);
        Assert.Equal(0, verdict.MeasuredHashesPerSecond);
        Assert.EndsWith(".", verdict.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_input_wins_over_a_late_root()
    {
        var verdict = ChallengeChecker.Verify(Spec, new byte[5], [1], Honest.Open([1]), Spec.Deadline.AddMinutes(1));

        Assert.Equal(VerdictReason.Malformed, verdict.Reason);
        Assert.Equal("The root is 5 bytes, not 32.", verdict.Detail);
    }
}
