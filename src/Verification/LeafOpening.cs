namespace Fabric.Verification;

/// <summary>
/// The prover's answer for one sampled leaf: the leaf's value and the Merkle siblings from the leaf's level up to
/// (not including) the root, bottom first.
/// </summary>
/// <remarks>
/// Deliberately accepts anything (it arrives from an untrusted device): wrong lengths are judged by
/// <see cref="ChallengeChecker.Verify"/>, which reports them as <see cref="VerdictReason.Malformed"/>. Bytes are
/// copied on the way in, a null path is taken as empty, and equality compares the bytes.
/// </remarks>
public sealed record LeafOpening
{
    private readonly ReadOnlyMemory<byte> _leaf;
    private readonly IReadOnlyList<ReadOnlyMemory<byte>> _path = [];

    public required int Index { get; init; }

    /// <summary><c>leaf_Index</c>, 32 bytes when well formed.</summary>
    public required ReadOnlyMemory<byte> Leaf
    {
        get => _leaf;
        init => _leaf = value.ToArray();
    }

    /// <summary>Sibling hashes, bottom first; log2(leaves) entries of 32 bytes each when well formed.</summary>
    public required IReadOnlyList<ReadOnlyMemory<byte>> Path
    {
        get => _path;
        init => _path = value is null ? [] : [.. value.Select(sibling => (ReadOnlyMemory<byte>)sibling.ToArray())];
    }

    public bool Equals(LeafOpening? other)
    {
        if (other is null || Index != other.Index || !_leaf.Span.SequenceEqual(other._leaf.Span) || _path.Count != other._path.Count)
        {
            return false;
        }

        for (var i = 0; i < _path.Count; i++)
        {
            if (!_path[i].Span.SequenceEqual(other._path[i].Span))
            {
                return false;
            }
        }

        return true;
    }

    public override int GetHashCode() => HashCode.Combine(Index, _leaf.Length, _path.Count);
}
