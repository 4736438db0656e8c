using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Fabric.Verification;

/// <summary>
/// The protocol's three hash functions over one reused SHA-256 context (not thread-safe: one per thread), counting
/// every SHA-256 evaluation in <see cref="Count"/> so that solver and checker cost are stated, and tested, in
/// hashes rather than seconds.
/// </summary>
/// <remarks>
/// Leaf nodes and inner nodes are domain-separated (prefix 0x00 and 0x01), so a leaf can never be passed off as an
/// inner node or the reverse.
/// </remarks>
internal sealed class ChallengeHasher : IDisposable
{
    public const int Size = 32;
    private const byte LeafNodeTag = 0x00;
    private const byte InnerNodeTag = 0x01;

    // Reusing one context saves about a third of the cost of SHA256.HashData's per-call setup on 32-byte inputs.
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>SHA-256 evaluations so far.</summary>
    public long Count { get; private set; }

    /// <summary><c>leaf_i = H^rounds(seed || u32be(index))</c>: exactly <paramref name="rounds"/> hashes.</summary>
    public void Leaf(ReadOnlySpan<byte> seed, int index, int rounds, Span<byte> leaf)
    {
        Span<byte> input = stackalloc byte[ChallengeSpec.SeedSize + sizeof(uint)];
        seed.CopyTo(input);
        BinaryPrimitives.WriteUInt32BigEndian(input[ChallengeSpec.SeedSize..], (uint)index);

        Span<byte> a = stackalloc byte[Size];
        Span<byte> b = stackalloc byte[Size];
        Hash(input, a);
        for (var round = 1; round < rounds; round++)
        {
            Hash(a, b);
            var swap = a;
            a = b;
            b = swap;
        }

        a.CopyTo(leaf);
    }

    /// <summary><c>SHA256(0x00 || leaf)</c>.</summary>
    public void LeafNode(ReadOnlySpan<byte> leaf, Span<byte> node)
    {
        Span<byte> input = stackalloc byte[1 + Size];
        input[0] = LeafNodeTag;
        leaf.CopyTo(input[1..]);
        Hash(input, node);
    }

    /// <summary><c>SHA256(0x01 || left || right)</c>; <paramref name="node"/> may be the same memory as either input.</summary>
    public void InnerNode(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> node)
    {
        Span<byte> input = stackalloc byte[1 + Size + Size];
        input[0] = InnerNodeTag;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + Size)..]);
        Hash(input, node);
    }

    public void Dispose() => _sha256.Dispose();

    private void Hash(ReadOnlySpan<byte> input, Span<byte> output)
    {
        _sha256.AppendData(input);
        _sha256.GetHashAndReset(output);
        Count++;
    }
}
