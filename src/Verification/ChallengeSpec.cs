using System.Numerics;
using System.Security.Cryptography;

namespace Fabric.Verification;

/// <summary>
/// A proof-of-work challenge the silo sends to a device: compute <see cref="Leaves"/> independent hash chains of
/// <see cref="Rounds"/> SHA-256 iterations each, seeded by the fresh random <see cref="Seed"/>, and commit to them
/// with a Merkle root before <see cref="Deadline"/>.
/// </summary>
/// <remarks>
/// <para>Guarantees: always valid once constructed (the constructor checks every limit below and copies the seed);
/// immutable; equal to another spec exactly when every field, seed bytes included, is equal.</para>
/// <para>The work, in full (see <see cref="ChallengeSolver"/>): <c>leaf_i = H^Rounds(Seed || u32be(i))</c>, i.e.
/// <c>x_1 = SHA256(Seed || u32be(i))</c>, <c>x_(r+1) = SHA256(x_r)</c>, <c>leaf_i = x_Rounds</c>: exactly
/// <see cref="Rounds"/> hashes per leaf. The seed is drawn when the challenge is issued, so no leaf can be computed
/// before then.</para>
/// <para>Limits: seed exactly 32 bytes; leaves a power of two, 2^8 ≤ leaves ≤ 2^24; 1 ≤ rounds ≤ 1 000 000;
/// deadline &gt; issued-at.</para>
/// </remarks>
public sealed record ChallengeSpec
{
    public const int SeedSize = 32;
    public const int MinLeaves = 1 << 8;
    public const int MaxLeaves = 1 << 24;
    public const int MaxRounds = 1_000_000;

    private readonly byte[] _seed;

    /// <summary>Builds a spec from known fields (a replayed or received challenge, a test).</summary>
    /// <exception cref="ArgumentException">A field is outside the limits in the remarks.</exception>
    public ChallengeSpec(Guid id, ReadOnlySpan<byte> seed, int leaves, int rounds, DateTimeOffset issuedAt, DateTimeOffset deadline)
    {
        if (seed.Length != SeedSize)
        {
            throw new ArgumentException($"The seed must be {SeedSize} bytes, not {seed.Length}.", nameof(seed));
        }

        if (leaves < MinLeaves || leaves > MaxLeaves || !BitOperations.IsPow2(leaves))
        {
            throw new ArgumentOutOfRangeException(nameof(leaves), leaves, $"Leaves must be a power of two from {MinLeaves} to {MaxLeaves}.");
        }

        if (rounds < 1 || rounds > MaxRounds)
        {
            throw new ArgumentOutOfRangeException(nameof(rounds), rounds, $"Rounds must be from 1 to {MaxRounds}.");
        }

        if (deadline <= issuedAt)
        {
            throw new ArgumentException("The deadline must be after the issue time.", nameof(deadline));
        }

        Id = id;
        _seed = seed.ToArray();
        Leaves = leaves;
        Rounds = rounds;
        IssuedAt = issuedAt;
        Deadline = deadline;
    }

    public Guid Id { get; }

    /// <summary>The 32 random bytes every leaf depends on (a read-only view of the spec's own copy).</summary>
    public ReadOnlyMemory<byte> Seed => _seed;

    /// <summary>Number of leaves (hash chains), a power of two.</summary>
    public int Leaves { get; }

    /// <summary>SHA-256 iterations per leaf.</summary>
    public int Rounds { get; }

    public DateTimeOffset IssuedAt { get; }

    /// <summary>The root must be received at or before this instant.</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>Depth of the Merkle tree: log2(<see cref="Leaves"/>), the number of siblings in every opening.</summary>
    public int Depth => BitOperations.Log2((uint)Leaves);

    /// <summary>Hashes an honest solver spends on the leaves: <see cref="Leaves"/> × <see cref="Rounds"/>.</summary>
    public long LeafHashes => (long)Leaves * Rounds;

    /// <summary>Issues a challenge now with a fresh seed from the system's cryptographic generator.</summary>
    /// <exception cref="ArgumentException">Leaves or rounds outside the limits, or <paramref name="allowed"/> not positive.</exception>
    public static ChallengeSpec Create(TimeProvider time, int leaves, int rounds, TimeSpan allowed) =>
        Create(time, leaves, rounds, allowed, SystemRandom.Instance);

    /// <summary>Issues a challenge now, drawing the id and seed from <paramref name="random"/> (tests pass a fixed one).</summary>
    /// <exception cref="ArgumentException">Leaves or rounds outside the limits, or <paramref name="allowed"/> not positive.</exception>
    public static ChallengeSpec Create(TimeProvider time, int leaves, int rounds, TimeSpan allowed, RandomNumberGenerator random)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(random);
        if (allowed <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(allowed), allowed, "The time allowed must be positive.");
        }

        Span<byte> bytes = stackalloc byte[16 + SeedSize];
        random.GetBytes(bytes);

        // A version 4 (random) id in Guid's little-endian layout: version nibble in byte 7, variant bits in byte 8.
        var idBytes = bytes[..16];
        idBytes[7] = (byte)((idBytes[7] & 0x0F) | 0x40);
        idBytes[8] = (byte)((idBytes[8] & 0x3F) | 0x80);

        var issuedAt = time.GetUtcNow();
        return new ChallengeSpec(new Guid(idBytes), bytes[16..], leaves, rounds, issuedAt, issuedAt + allowed);
    }

    public bool Equals(ChallengeSpec? other) =>
        other is not null
        && Id == other.Id
        && _seed.AsSpan().SequenceEqual(other._seed)
        && Leaves == other.Leaves
        && Rounds == other.Rounds
        && IssuedAt == other.IssuedAt
        && Deadline == other.Deadline;

    public override int GetHashCode() => HashCode.Combine(Id, Leaves, Rounds, IssuedAt, Deadline);
}
