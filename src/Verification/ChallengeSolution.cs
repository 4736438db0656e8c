namespace Fabric.Verification;

/// <summary>
/// A prover's committed answer: the Merkle <see cref="Root"/> over all leaves, and the leaves and inner nodes kept
/// to open any sampled leaf afterwards.
/// </summary>
/// <remarks>
/// <para>Tree: leaf node <c>SHA256(0x00 || leaf_i)</c>, inner node <c>SHA256(0x01 || left || right)</c>, stored as
/// a heap (node <c>m</c> has children <c>2m</c> and <c>2m+1</c>, the root is node 1, leaf node i is node
/// <c>Leaves + i</c>).</para>
/// <para>Memory: the leaves and the inner nodes, 2 × Leaves × 32 bytes (64 MiB at 2^20 leaves, 1 GiB at 2^24);
/// leaf nodes are recomputed (one hash) when a sibling leaf is opened rather than stored.</para>
/// </remarks>
public sealed class ChallengeSolution
{
    // The tree is built from independent chunks of this many leaves (each chunk's subtree in one task), then the
    // few nodes above the chunk roots.
    private const int ChunkLeaves = 256;
    private const int Size = ChallengeHasher.Size;

    private readonly byte[] _leaves;
    private readonly byte[] _nodes;

    private ChallengeSolution(ChallengeSpec spec, byte[] leaves, byte[] nodes, long hashesComputed)
    {
        Spec = spec;
        _leaves = leaves;
        _nodes = nodes;
        HashesComputed = hashesComputed;
    }

    public ChallengeSpec Spec { get; }

    /// <summary>The 32-byte commitment sent to the silo first.</summary>
    public ReadOnlyMemory<byte> Root => _nodes.AsMemory(Size, Size);

    /// <summary>SHA-256 evaluations spent building this solution (leaves, when computed here, and the tree).</summary>
    public long HashesComputed { get; }

    /// <summary>
    /// Builds the commitment over leaves computed elsewhere (e.g. by a GPU kernel): <paramref name="leaves"/> is
    /// Leaves × 32 bytes, leaf i at offset 32·i. The leaves are copied.
    /// </summary>
    /// <exception cref="ArgumentException">The leaves are not Leaves × 32 bytes, or parallelism is below 1.</exception>
    public static ChallengeSolution FromLeaves(ChallengeSpec spec, ReadOnlySpan<byte> leaves, int parallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (leaves.Length != (long)spec.Leaves * Size)
        {
            throw new ArgumentException($"Expected {spec.Leaves} leaves of {Size} bytes ({(long)spec.Leaves * Size} bytes), got {leaves.Length} bytes.", nameof(leaves));
        }

        return Build(spec, leaves.ToArray(), computeLeaves: false, parallelism, progress: null, CancellationToken.None);
    }

    /// <summary>Opens the requested leaves, in the order asked.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is not a leaf of this challenge.</exception>
    public IReadOnlyList<LeafOpening> Open(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var openings = new LeafOpening[indices.Count];
        var leafCount = Spec.Leaves;
        using var hasher = new ChallengeHasher();
        Span<byte> siblingLeafNode = stackalloc byte[Size];

        for (var k = 0; k < indices.Count; k++)
        {
            var index = indices[k];
            ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(indices));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leafCount, nameof(indices));

            var path = new ReadOnlyMemory<byte>[Spec.Depth];
            hasher.LeafNode(LeafAt(index ^ 1), siblingLeafNode);
            path[0] = siblingLeafNode.ToArray();
            var level = 1;
            for (var node = (leafCount + index) >> 1; node > 1; node >>= 1)
            {
                path[level++] = _nodes.AsMemory((node ^ 1) * Size, Size);
            }

            openings[k] = new LeafOpening { Index = index, Leaf = _leaves.AsMemory(index * Size, Size), Path = path };
        }

        return openings;
    }

    internal static ChallengeSolution Build(
        ChallengeSpec spec,
        byte[] leaves,
        bool computeLeaves,
        int parallelism,
        IProgress<double>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);

        var leafCount = spec.Leaves;
        var chunkLeaves = Math.Min(leafCount, ChunkLeaves);
        var chunks = leafCount / chunkLeaves;
        var nodes = new byte[leafCount * Size];
        var seed = spec.Seed;
        long hashes = 0;
        var progressGate = new object();
        long leavesDone = 0;
        var percentReported = -1;

        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        Parallel.For(0, chunks, options, () => new ChallengeHasher(), (chunk, state, hasher) =>
        {
            var first = chunk * chunkLeaves;
            if (computeLeaves)
            {
                for (var i = first; i < first + chunkLeaves; i++)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        state.Stop();
                        return hasher;
                    }

                    hasher.Leaf(seed.Span, i, spec.Rounds, leaves.AsSpan(i * Size, Size));
                }
            }

            BuildChunkSubtree(hasher, leafCount, first, chunkLeaves, leaves, nodes);

            if (progress is not null)
            {
                var done = Interlocked.Add(ref leavesDone, chunkLeaves);
                var percent = (int)(done * 100 / leafCount);
                lock (progressGate)
                {
                    if (percent > percentReported && percent < 100)
                    {
                        percentReported = percent;
                        progress.Report((double)done / leafCount);
                    }
                }
            }

            return hasher;
        },
        hasher =>
        {
            Interlocked.Add(ref hashes, hasher.Count);
            hasher.Dispose();
        });

        cancellationToken.ThrowIfCancellationRequested();

        // The nodes above the chunk roots (chunk roots are nodes chunks .. 2·chunks - 1).
        using (var hasher = new ChallengeHasher())
        {
            for (var node = chunks - 1; node >= 1; node--)
            {
                hasher.InnerNode(NodeAt(nodes, 2 * node), NodeAt(nodes, (2 * node) + 1), nodes.AsSpan(node * Size, Size));
            }

            hashes += hasher.Count;
        }

        progress?.Report(1.0);
        return new ChallengeSolution(spec, leaves, nodes, hashes);
    }

    // Builds the complete subtree over leaves [first, first + count): its leaf nodes (not stored), then each level
    // of inner nodes up to the chunk's root.
    private static void BuildChunkSubtree(ChallengeHasher hasher, int leafCount, int first, int count, byte[] leaves, byte[] nodes)
    {
        Span<byte> left = stackalloc byte[Size];
        Span<byte> right = stackalloc byte[Size];

        var low = (leafCount + first) >> 1;
        var high = (leafCount + first + count) >> 1;
        for (var node = low; node < high; node++)
        {
            var leftLeaf = (2 * node) - leafCount;
            hasher.LeafNode(leaves.AsSpan(leftLeaf * Size, Size), left);
            hasher.LeafNode(leaves.AsSpan((leftLeaf + 1) * Size, Size), right);
            hasher.InnerNode(left, right, nodes.AsSpan(node * Size, Size));
        }

        while (high - low > 1)
        {
            low >>= 1;
            high >>= 1;
            for (var node = low; node < high; node++)
            {
                hasher.InnerNode(NodeAt(nodes, 2 * node), NodeAt(nodes, (2 * node) + 1), nodes.AsSpan(node * Size, Size));
            }
        }
    }

    private static ReadOnlySpan<byte> NodeAt(byte[] nodes, int node) => nodes.AsSpan(node * Size, Size);

    private ReadOnlySpan<byte> LeafAt(int index) => _leaves.AsSpan(index * Size, Size);
}
