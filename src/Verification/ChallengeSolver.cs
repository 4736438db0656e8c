namespace Fabric.Verification;

/// <summary>The device side: computes every leaf of a challenge and commits to them (a CPU reference solver).</summary>
/// <remarks>
/// Leaves are independent, so the work spreads over any number of lanes; a GPU solver computes the leaves in a
/// kernel and hands them to <see cref="ChallengeSolution.FromLeaves"/>. The result depends only on the spec, never
/// on the parallelism.
/// </remarks>
public static class ChallengeSolver
{
    /// <summary>Computes all leaves with up to <paramref name="parallelism"/> threads and builds the tree.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parallelism"/> is below 1.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the root was built.</exception>
    public static ChallengeSolution Solve(ChallengeSpec spec, int parallelism, CancellationToken cancellationToken = default) =>
        Solve(spec, parallelism, progress: null, cancellationToken);

    /// <summary>As <see cref="Solve(ChallengeSpec, int, CancellationToken)"/>, reporting the fraction done (0..1, rising, ending at 1).</summary>
    public static ChallengeSolution Solve(ChallengeSpec spec, int parallelism, IProgress<double>? progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        var leaves = new byte[spec.Leaves * ChallengeHasher.Size];
        return ChallengeSolution.Build(spec, leaves, computeLeaves: true, parallelism, progress, cancellationToken);
    }

    /// <summary>
    /// One leaf, <c>H^Rounds(Seed || u32be(index))</c> (32 bytes): what the checker recomputes for each sample, and a
    /// known answer for other solver implementations.
    /// </summary>
    public static byte[] ComputeLeaf(ChallengeSpec spec, int index)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, spec.Leaves);
        var leaf = new byte[ChallengeHasher.Size];
        using var hasher = new ChallengeHasher();
        hasher.Leaf(spec.Seed.Span, index, spec.Rounds, leaf);
        return leaf;
    }
}
