using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;

namespace Fabric.Verification;

/// <summary>
/// The silo side: after the device commits to a root, pick random leaves for it to open, then check those
/// openings and the time the root took.
/// </summary>
/// <remarks>
/// <para>Why sampling suffices: the root binds the prover to every leaf before it learns which are sampled (the
/// silo draws the sample with its own generator after receiving the root), so a prover that computed only a
/// fraction f of the leaves honestly passes k distinct samples with probability at most f^k
/// (see <see cref="SamplesNeeded"/>).</para>
/// <para>Cost: at most k × (Rounds + log2(Leaves) + 1) hashes, against Leaves × Rounds + 2 × Leaves − 1 for the
/// prover; <see cref="ChallengeVerdict.HashesComputed"/> reports the exact count.</para>
/// <para>Only the root is timed. The openings need no further work once the tree is built, but the caller should
/// still bound how long it waits for them.</para>
/// </remarks>
public static class ChallengeChecker
{
    /// <summary>A sample that catches a prover who skipped 20% of the leaves with probability 1 − 0.8^32 ≈ 99.9%.</summary>
    public const int DefaultSamples = 32;

    /// <summary>Picks <paramref name="count"/> distinct leaf indices, ascending, with the system's cryptographic generator.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not from 1 to Leaves / 2.</exception>
    public static IReadOnlyList<int> PickSamples(ChallengeSpec spec, int count) => PickSamples(spec, count, SystemRandom.Instance);

    /// <summary>Picks <paramref name="count"/> distinct leaf indices, ascending, drawn from <paramref name="random"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not from 1 to Leaves / 2.</exception>
    public static IReadOnlyList<int> PickSamples(ChallengeSpec spec, int count, RandomNumberGenerator random)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, spec.Leaves / 2);

        // Leaves is a power of two, so masking 32 random bits is exactly uniform; at most half the leaves are drawn,
        // so rejecting repeats costs under two draws per sample on average.
        var mask = (uint)spec.Leaves - 1;
        var picked = new HashSet<int>(count);
        Span<byte> draw = stackalloc byte[sizeof(uint)];
        while (picked.Count < count)
        {
            random.GetBytes(draw);
            picked.Add((int)(BitConverter.ToUInt32(draw) & mask));
        }

        var samples = picked.ToArray();
        Array.Sort(samples);
        return samples;
    }

    /// <summary>
    /// The sample size that catches a prover who computed only <paramref name="honestFraction"/> of the leaves,
    /// except with probability at most <paramref name="missProbability"/>: the least k with f^k ≤ p.
    /// </summary>
    public static int SamplesNeeded(double honestFraction, double missProbability)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(honestFraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(honestFraction, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(missProbability);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(missProbability, 1.0);
        if (honestFraction == 0)
        {
            return 1;
        }

        return Math.Max(1, (int)Math.Ceiling(Math.Log(missProbability) / Math.Log(honestFraction)));
    }

    /// <summary>
    /// Judges an answer: the committed <paramref name="root"/>, received at <paramref name="rootReceivedAt"/>, and
    /// the <paramref name="openings"/> given for the <paramref name="requested"/> sample. Never throws: unusable
    /// input is a failed verdict (<see cref="VerdictReason.Malformed"/>); see <see cref="VerdictReason"/> for the
    /// precedence when several reasons apply.
    /// </summary>
    public static ChallengeVerdict Verify(
        ChallengeSpec? spec,
        ReadOnlyMemory<byte> root,
        IReadOnlyList<int>? requested,
        IReadOnlyList<LeafOpening?>? openings,
        DateTimeOffset rootReceivedAt)
    {
        if (spec is null)
        {
            return Failed(Guid.Empty, VerdictReason.Malformed, "No challenge spec was given.", TimeSpan.Zero, 0);
        }

        var elapsed = rootReceivedAt - spec.IssuedAt;
        if (!IsWellFormed(spec, root, requested, openings, elapsed, out var shapeProblem))
        {
            return Failed(spec.Id, VerdictReason.Malformed, shapeProblem, elapsed, 0);
        }

        if (rootReceivedAt > spec.Deadline)
        {
            return Failed(spec.Id, VerdictReason.Late, Say(
                $"The root arrived {Seconds(elapsed)} after issue, {Seconds(rootReceivedAt - spec.Deadline)} past the deadline."), elapsed, 0);
        }

        var requestedSet = requested.ToHashSet();
        var byIndex = new Dictionary<int, LeafOpening>(requestedSet.Count);
        foreach (var opening in openings)
        {
            if (!requestedSet.Contains(opening!.Index))
            {
                return Failed(spec.Id, VerdictReason.WrongIndices, Say($"Leaf {opening.Index} was opened but not requested."), elapsed, 0);
            }

            if (!byIndex.TryAdd(opening.Index, opening))
            {
                return Failed(spec.Id, VerdictReason.WrongIndices, Say($"Leaf {opening.Index} was opened more than once."), elapsed, 0);
            }
        }

        foreach (var index in requested)
        {
            if (!byIndex.ContainsKey(index))
            {
                return Failed(spec.Id, VerdictReason.MissingOpening, Say($"Leaf {index} was requested but not opened."), elapsed, 0);
            }
        }

        // Paths first: log2(Leaves) + 1 hashes each, so a forged tree is rejected before any leaf is recomputed.
        using var hasher = new ChallengeHasher();
        foreach (var index in requested)
        {
            if (!PathLeadsToRoot(hasher, spec, byIndex[index], root.Span))
            {
                return Failed(spec.Id, VerdictReason.BadPath, Say($"The path given for leaf {index} does not lead to the committed root."), elapsed, hasher.Count);
            }
        }

        Span<byte> expected = stackalloc byte[ChallengeHasher.Size];
        foreach (var index in requested)
        {
            hasher.Leaf(spec.Seed.Span, index, spec.Rounds, expected);
            if (!CryptographicOperations.FixedTimeEquals(expected, byIndex[index].Leaf.Span))
            {
                return Failed(spec.Id, VerdictReason.WrongLeaf, Say(
                    $"Leaf {index} is not the result of {spec.Rounds} SHA-256 rounds over this challenge's seed."), elapsed, hasher.Count);
            }
        }

        var rate = spec.LeafHashes / elapsed.TotalSeconds;
        return new ChallengeVerdict
        {
            ChallengeId = spec.Id,
            Reason = VerdictReason.Passed,
            Detail = Say($"All {requested.Count} sampled leaves of {spec.Leaves} check out; the root arrived {Seconds(elapsed)} after issue ({rate:0.###e+0} hashes/s)."),
            Elapsed = elapsed,
            MeasuredHashesPerSecond = rate,
            HashesComputed = hasher.Count,
        };
    }

    // False with the first reason the input cannot be judged at all. Checks lengths and counts only, no hashing.
    private static bool IsWellFormed(
        ChallengeSpec spec,
        ReadOnlyMemory<byte> root,
        [NotNullWhen(true)] IReadOnlyList<int>? requested,
        [NotNullWhen(true)] IReadOnlyList<LeafOpening?>? openings,
        TimeSpan elapsed,
        [NotNullWhen(false)] out string? problem)
    {
        problem = FindShapeProblem(spec, root, requested, openings, elapsed);
        return problem is null;
    }

    private static string? FindShapeProblem(
        ChallengeSpec spec,
        ReadOnlyMemory<byte> root,
        IReadOnlyList<int>? requested,
        IReadOnlyList<LeafOpening?>? openings,
        TimeSpan elapsed)
    {
        if (elapsed <= TimeSpan.Zero)
        {
            return "The root was received at or before the time the challenge was issued.";
        }

        if (root.Length != ChallengeHasher.Size)
        {
            return Say($"The root is {root.Length} bytes, not {ChallengeHasher.Size}.");
        }

        if (requested is null || requested.Count == 0)
        {
            return "No leaves were requested.";
        }

        var seen = new HashSet<int>(requested.Count);
        foreach (var index in requested)
        {
            if (index < 0 || index >= spec.Leaves)
            {
                return Say($"Requested index {index} is not a leaf (0 to {spec.Leaves - 1}).");
            }

            if (!seen.Add(index))
            {
                return Say($"Leaf {index} was requested more than once.");
            }
        }

        if (openings is null)
        {
            return "No openings were given.";
        }

        for (var position = 0; position < openings.Count; position++)
        {
            var opening = openings[position];
            if (opening is null)
            {
                return Say($"Opening {position} is missing (null).");
            }

            if (opening.Leaf.Length != ChallengeHasher.Size)
            {
                return Say($"The opening for leaf {opening.Index} has a {opening.Leaf.Length}-byte leaf, not {ChallengeHasher.Size}.");
            }

            if (opening.Path.Count != spec.Depth)
            {
                return Say($"The opening for leaf {opening.Index} has {opening.Path.Count} siblings, not {spec.Depth}.");
            }

            foreach (var sibling in opening.Path)
            {
                if (sibling.Length != ChallengeHasher.Size)
                {
                    return Say($"The opening for leaf {opening.Index} has a {sibling.Length}-byte sibling, not {ChallengeHasher.Size}.");
                }
            }
        }

        return null;
    }

    private static bool PathLeadsToRoot(ChallengeHasher hasher, ChallengeSpec spec, LeafOpening opening, ReadOnlySpan<byte> root)
    {
        Span<byte> node = stackalloc byte[ChallengeHasher.Size];
        hasher.LeafNode(opening.Leaf.Span, node);
        var position = spec.Leaves + opening.Index;
        foreach (var sibling in opening.Path)
        {
            if ((position & 1) == 0)
            {
                hasher.InnerNode(node, sibling.Span, node);
            }
            else
            {
                hasher.InnerNode(sibling.Span, node, node);
            }

            position >>= 1;
        }

        return CryptographicOperations.FixedTimeEquals(node, root);
    }

    private static ChallengeVerdict Failed(Guid id, VerdictReason reason, string detail, TimeSpan elapsed, long hashes) => new()
    {
        ChallengeId = id,
        Reason = reason,
        Detail = detail,
        Elapsed = elapsed,
        MeasuredHashesPerSecond = 0,
        HashesComputed = hashes,
    };

    private static string Seconds(TimeSpan span) => Say($"{span.TotalSeconds:0.###} s");

    private static string Say(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
