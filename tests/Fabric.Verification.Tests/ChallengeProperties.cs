using FsCheck;
using FsCheck.Fluent;

namespace Fabric.Verification.Tests;

/// <summary>Property tests, run by plain FsCheck from ordinary facts (a failure throws with the shrunk case).</summary>
public sealed class ChallengeProperties
{
    private static readonly ChallengeSpec Spec = TestChallenges.Spec(256, rounds: 2, seedLabel: "properties");
    private static readonly byte[] HonestLeaves = TestChallenges.HonestLeaves(Spec);
    private static readonly ChallengeSolution Honest = ChallengeSolution.FromLeaves(Spec, HonestLeaves);
    private static readonly DateTimeOffset OnTime = Spec.IssuedAt.AddSeconds(1);

    // A byte offset within a 32-byte value and a non-zero XOR mask, both from one generated number.
    private static (int Offset, byte Mask) Corruption(uint bits) => ((int)(bits % 32), (byte)(((bits >> 5) % 255) + 1));

    private static void Check(Property property, int tests = 200) => FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(tests), property);

    [Fact]
    public void An_honest_solution_passes_for_any_seed() =>
        Check(Prop.ForAll((NonNull<string> label) =>
        {
            var spec = TestChallenges.Spec(256, rounds: 2, seedLabel: label.Get);
            var solution = ChallengeSolver.Solve(spec, parallelism: 2);
            var requested = ChallengeChecker.PickSamples(spec, 8, new DeterministicRandom(label.Get));
            return TestChallenges.Answer(spec, solution, requested).Passed;
        }), tests: 50);

    [Fact]
    public void Any_single_corrupted_leaf_under_a_valid_tree_is_caught_when_sampled() =>
        Check(Prop.ForAll((byte leaf, uint corruption, int sampleSeed) =>
        {
            var (offset, mask) = Corruption(corruption);
            var leaves = HonestLeaves.ToArray();
            leaves[(leaf * 32) + offset] ^= mask;
            var corrupted = ChallengeSolution.FromLeaves(Spec, leaves);
            var requested = ChallengeChecker.PickSamples(Spec, 8, new DeterministicRandom($"sample {sampleSeed}"))
                .Append(leaf).Distinct().Order().ToArray();

            return TestChallenges.Answer(Spec, corrupted, requested).Reason == VerdictReason.WrongLeaf;
        }));

    [Fact]
    public void Tampering_any_byte_of_a_path_fails_with_bad_path() =>
        Check(Prop.ForAll((byte leaf, byte level, uint corruption) =>
        {
            var (offset, mask) = Corruption(corruption);
            var opening = Honest.Open([leaf])[0];
            var path = opening.Path.Select(s => s.ToArray()).ToArray();
            path[level % path.Length][offset] ^= mask;
            var tampered = opening with { Path = [.. path.Select(s => (ReadOnlyMemory<byte>)s)] };

            return ChallengeChecker.Verify(Spec, Honest.Root, [leaf], [tampered], OnTime).Reason == VerdictReason.BadPath;
        }));

    [Fact]
    public void Tampering_any_byte_of_an_opened_leaf_or_of_the_root_fails() =>
        Check(Prop.ForAll((byte leaf, uint corruption, bool inRoot) =>
        {
            var (offset, mask) = Corruption(corruption);
            var opening = Honest.Open([leaf])[0];
            var root = Honest.Root.ToArray();
            if (inRoot)
            {
                root[offset] ^= mask;
            }
            else
            {
                var bytes = opening.Leaf.ToArray();
                bytes[offset] ^= mask;
                opening = opening with { Leaf = bytes };
            }

            return ChallengeChecker.Verify(Spec, root, [leaf], [opening], OnTime).Reason == VerdictReason.BadPath;
        }));

    [Fact]
    public void Arbitrary_openings_never_throw_and_never_pass() =>
        Check(Prop.ForAll((int[] requested, (int Index, byte[]? Leaf, byte[]?[]? Path)[] junk, byte[]? root) =>
        {
            var secondsLate = (requested?.Length ?? 0) % 15; // past the 10 s deadline now and then
            var openings = (junk ?? []).Select(j => j.Index % 7 == 0
                ? null
                : new LeafOpening
                {
                    Index = j.Index,
                    Leaf = j.Leaf,
                    Path = j.Path is null ? null! : [.. j.Path.Select(s => (ReadOnlyMemory<byte>)s)],
                }).ToArray();

            var verdict = ChallengeChecker.Verify(Spec, root, requested, openings, OnTime.AddSeconds(secondsLate));
            return !verdict.Passed && verdict.MeasuredHashesPerSecond == 0 && verdict.Detail.Length > 0;
        }), tests: 500);

    [Fact]
    public void Honest_openings_with_one_field_truncated_or_extended_never_throw_and_fail_as_malformed() =>
        Check(Prop.ForAll((byte leaf, byte cut, bool onLeaf) =>
        {
            var opening = Honest.Open([leaf])[0];
            opening = onLeaf
                ? opening with { Leaf = cut % 2 == 0 ? opening.Leaf[..(cut % 32)] : new byte[33 + cut] }
                : opening with { Path = cut % 2 == 0 ? [.. opening.Path.Take(cut % 8)] : [.. opening.Path, .. opening.Path.Take(1 + (cut % 8))] };

            return ChallengeChecker.Verify(Spec, Honest.Root, [leaf], [opening], OnTime).Reason == VerdictReason.Malformed;
        }));
}
