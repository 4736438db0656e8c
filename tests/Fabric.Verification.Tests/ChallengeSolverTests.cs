using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Fabric.Verification.Tests;

public sealed class ChallengeSolverTests
{
    [Fact]
    public void A_leaf_is_SHA256_iterated_Rounds_times_over_the_seed_and_big_endian_index()
    {
        var spec = TestChallenges.Spec(rounds: 3);
        var input = new byte[36];
        spec.Seed.Span.CopyTo(input);
        BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(32), 0x0102_0304 % (uint)spec.Leaves);

        var expected = SHA256.HashData(SHA256.HashData(SHA256.HashData(input)));

        Assert.Equal(expected, ChallengeSolver.ComputeLeaf(spec, (int)(0x0102_0304 % (uint)spec.Leaves)));
    }

    [Fact]
    public void One_round_is_a_single_hash_of_seed_and_index()
    {
        var spec = TestChallenges.Spec(rounds: 1);
        var input = new byte[36];
        spec.Seed.Span.CopyTo(input);
        input[35] = 200;

        Assert.Equal(SHA256.HashData(input), ChallengeSolver.ComputeLeaf(spec, 200));
    }

    [Theory]
    [InlineData(256)]
    [InlineData(1024)]
    public void The_root_is_the_domain_separated_Merkle_root_of_the_leaves(int leaves)
    {
        var spec = TestChallenges.Spec(leaves, rounds: 2);

        var solution = ChallengeSolver.Solve(spec, parallelism: 2);

        Assert.Equal(ReferenceRoot(TestChallenges.HonestLeaves(spec), 0, leaves), solution.Root.ToArray());
    }

    [Fact]
    public void The_root_does_not_depend_on_the_parallelism()
    {
        var spec = TestChallenges.Spec(2048, rounds: 2);

        var one = ChallengeSolver.Solve(spec, parallelism: 1);
        var two = ChallengeSolver.Solve(spec, parallelism: 2);
        var eight = ChallengeSolver.Solve(spec, parallelism: 8);

        Assert.Equal(one.Root.ToArray(), two.Root.ToArray());
        Assert.Equal(one.Root.ToArray(), eight.Root.ToArray());
    }

    [Fact]
    public void A_solution_built_from_leaves_computed_elsewhere_has_the_same_root_and_openings()
    {
        var spec = TestChallenges.Spec(512, rounds: 3);
        var solved = ChallengeSolver.Solve(spec, parallelism: 2);

        var fromLeaves = ChallengeSolution.FromLeaves(spec, TestChallenges.HonestLeaves(spec), parallelism: 2);

        Assert.Equal(solved.Root.ToArray(), fromLeaves.Root.ToArray());
        Assert.Equal(solved.Open([0, 1, 300, 511]), fromLeaves.Open([0, 1, 300, 511]));
    }

    [Fact]
    public void The_solver_counts_exactly_the_leaf_chains_and_the_tree()
    {
        var spec = TestChallenges.Spec(1024, rounds: 5);

        var solution = ChallengeSolver.Solve(spec, parallelism: 2);

        Assert.Equal((1024L * 5) + (2 * 1024) - 1, solution.HashesComputed);
        Assert.Equal((2L * 512) - 1, ChallengeSolution.FromLeaves(TestChallenges.Spec(512), TestChallenges.HonestLeaves(TestChallenges.Spec(512))).HashesComputed);
    }

    [Fact]
    public void An_opening_holds_the_leaf_and_one_sibling_per_level()
    {
        var spec = TestChallenges.Spec(256, rounds: 2);
        var solution = ChallengeSolver.Solve(spec, parallelism: 1);

        var openings = solution.Open([7, 0, 255]);

        Assert.Equal([7, 0, 255], openings.Select(o => o.Index));
        Assert.All(openings, o => Assert.Equal(8, o.Path.Count));
        Assert.All(openings, o => Assert.Equal(ChallengeSolver.ComputeLeaf(spec, o.Index), o.Leaf.ToArray()));
    }

    [Fact]
    public void Opening_an_index_outside_the_leaves_throws()
    {
        var solution = ChallengeSolver.Solve(TestChallenges.Spec(256, rounds: 1), parallelism: 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => solution.Open([256]));
        Assert.Throws<ArgumentOutOfRangeException>(() => solution.Open([-1]));
    }

    [Fact]
    public void Progress_rises_and_ends_at_one()
    {
        var progress = new RecordingProgress();

        ChallengeSolver.Solve(TestChallenges.Spec(4096, rounds: 1), parallelism: 2, progress);

        var reports = progress.Reports;
        Assert.True(reports.Count >= 2);
        Assert.Equal(1.0, reports[^1]);
        Assert.Equal(reports.Order(), reports);
        Assert.All(reports, r => Assert.InRange(r, 0.0, 1.0));
    }

    [Fact]
    public void A_cancelled_solve_throws_OperationCanceledException()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => ChallengeSolver.Solve(TestChallenges.Spec(1024, rounds: 1), 2, cancelled.Token));
    }

    [Fact]
    public void Parallelism_below_one_and_leaves_of_the_wrong_size_are_rejected()
    {
        var spec = TestChallenges.Spec(256, rounds: 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => ChallengeSolver.Solve(spec, parallelism: 0));
        Assert.Throws<ArgumentException>(() => ChallengeSolution.FromLeaves(spec, new byte[(256 * 32) - 1]));
    }

    // The textbook recursive definition, independent of the solver's heap layout and chunking.
    private static byte[] ReferenceRoot(byte[] leaves, int first, int count)
    {
        if (count == 1)
        {
            return SHA256.HashData([0x00, .. leaves.AsSpan(first * 32, 32)]);
        }

        var half = count / 2;
        return SHA256.HashData([0x01, .. ReferenceRoot(leaves, first, half), .. ReferenceRoot(leaves, first + half, half)]);
    }
}
