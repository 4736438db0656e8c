using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Fabric.Wallet;

/// <summary>
/// A wallet address: a 32-byte ed25519 public key, written as base58 (Bitcoin alphabet) exactly like a Solana address.
/// </summary>
/// <remarks>
/// Held as four integers rather than an array so the type is a true value: no null inside, cheap equality,
/// safe as a dictionary key, and nothing outside can mutate it. <c>default</c> is the all-zero key
/// ("11111111111111111111111111111111"), which is not a key anyone can sign for.
/// </remarks>
public readonly struct WalletAddress : IEquatable<WalletAddress>
{
    public const int Size = Ed25519.PublicKeySize;

    // Big-endian chunks of the key, so byte order is kept exactly.
    private readonly ulong a;
    private readonly ulong b;
    private readonly ulong c;
    private readonly ulong d;

    private WalletAddress(ReadOnlySpan<byte> publicKey)
    {
        a = BinaryPrimitives.ReadUInt64BigEndian(publicKey);
        b = BinaryPrimitives.ReadUInt64BigEndian(publicKey[8..]);
        c = BinaryPrimitives.ReadUInt64BigEndian(publicKey[16..]);
        d = BinaryPrimitives.ReadUInt64BigEndian(publicKey[24..]);
    }

    /// <exception cref="WalletException">The key is not 32 bytes.</exception>
    public static WalletAddress FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != Size)
        {
            throw new WalletException($"A wallet address is a {Size}-byte public key, not {publicKey.Length} bytes.");
        }

        return new WalletAddress(publicKey);
    }

    /// <exception cref="WalletException">Not base58, or not 32 bytes once decoded; the message says which.</exception>
    public static WalletAddress Parse(string text)
    {
        if (TryParse(text, out var address, out var error))
        {
            return address;
        }

        throw new WalletException(error);
    }

    public static bool TryParse([NotNullWhen(true)] string? text, out WalletAddress address) =>
        TryParse(text, out address, out _);

    public static bool TryParse(
        [NotNullWhen(true)] string? text,
        out WalletAddress address,
        [NotNullWhen(false)] out string? error)
    {
        address = default;
        if (string.IsNullOrEmpty(text))
        {
            error = "Wallet address is empty.";
            return false;
        }

        // A 32-byte key is at most 44 base58 characters; refusing longer text bounds the decoding work.
        const int maxLength = 44;
        if (text.Length > maxLength)
        {
            error = $"Wallet address '{Shorten(text)}' is {text.Length} characters; an address has at most {maxLength}.";
            return false;
        }

        if (!Base58.TryDecode(text, out var bytes))
        {
            error = $"Wallet address '{text}' is not base58: it may only use 1-9, A-Z and a-z without 0, O, I and l.";
            return false;
        }

        if (bytes.Length != Size)
        {
            error = $"Wallet address '{text}' decodes to {bytes.Length} bytes; an address is {Size} bytes.";
            return false;
        }

        address = new WalletAddress(bytes);
        error = null;
        return true;
    }

    /// <summary>The 32 public-key bytes (a fresh copy).</summary>
    public byte[] ToPublicKey()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>Writes the 32 public-key bytes into <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], d);
    }

    /// <summary>Whether <paramref name="signature"/> is this key's ed25519 signature of <paramref name="message"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        Span<byte> key = stackalloc byte[Size];
        WriteTo(key);
        return Ed25519.Verify(key, message, signature);
    }

    public bool Equals(WalletAddress other) => a == other.a && b == other.b && c == other.c && d == other.d;

    public override bool Equals(object? obj) => obj is WalletAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(a, b, c, d);

    public static bool operator ==(WalletAddress left, WalletAddress right) => left.Equals(right);

    public static bool operator !=(WalletAddress left, WalletAddress right) => !left.Equals(right);

    /// <summary>Base58 of the public key.</summary>
    public override string ToString()
    {
        Span<byte> key = stackalloc byte[Size];
        WriteTo(key);
        return Base58.Encode(key);
    }

    private static string Shorten(string text) => text.Length <= 16 ? text : string.Concat(text.AsSpan(0, 16), "...");
}
