using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Fabric.Wallet;

/// <summary>One node of a SLIP-0010 ed25519 tree: a 32-byte private key and its 32-byte chain code.</summary>
internal sealed class Slip10Node
{
    public Slip10Node(byte[] privateKey, byte[] chainCode)
    {
        PrivateKey = privateKey;
        ChainCode = chainCode;
    }

    public byte[] PrivateKey { get; }

    public byte[] ChainCode { get; }

    public override string ToString() => "Slip10Node(secret)";
}

/// <summary>
/// SLIP-0010 key derivation for ed25519 (https://github.com/satoshilabs/slips/blob/master/slip-0010.md).
/// Written out here, not taken from a BIP32 library, because BIP32 libraries implement secp256k1 rules
/// (non-hardened children, the "Bitcoin seed" key) that give different, wrong keys for ed25519.
/// </summary>
internal static class Slip10
{
    private static readonly byte[] MasterKey = Encoding.ASCII.GetBytes("ed25519 seed");

    public static Slip10Node Master(ReadOnlySpan<byte> seed)
    {
        if (seed.Length is < 16 or > 64)
        {
            throw new WalletException($"A SLIP-0010 seed is 16 to 64 bytes, not {seed.Length}.");
        }

        return Split(HMACSHA512.HashData(MasterKey, seed));
    }

    /// <summary>Child <paramref name="childNumber"/>, which must carry the hardened bit (index + 2^31).</summary>
    public static Slip10Node Child(Slip10Node parent, uint childNumber)
    {
        if (childNumber < DerivationPath.HardenedOffset)
        {
            throw new WalletException(
                $"Child index {childNumber} is not hardened; SLIP-0010 ed25519 only derives hardened children.");
        }

        // data = 0x00 || parent private key || child number (big-endian)
        Span<byte> data = stackalloc byte[1 + 32 + 4];
        data[0] = 0;
        parent.PrivateKey.CopyTo(data[1..]);
        BinaryPrimitives.WriteUInt32BigEndian(data[33..], childNumber);
        try
        {
            return Split(HMACSHA512.HashData(parent.ChainCode, data));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(data);
        }
    }

    public static Slip10Node Derive(ReadOnlySpan<byte> seed, DerivationPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var node = Master(seed);
        foreach (var childNumber in path.ChildNumbers)
        {
            node = Child(node, childNumber);
        }

        return node;
    }

    // I = HMAC-SHA512(...): left half is the key, right half the chain code. For ed25519 every I is valid.
    private static Slip10Node Split(byte[] i)
    {
        var node = new Slip10Node(i[..32], i[32..]);
        CryptographicOperations.ZeroMemory(i);
        return node;
    }
}
