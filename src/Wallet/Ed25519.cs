using Rfc8032 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace Fabric.Wallet;

/// <summary>Ed25519 (RFC 8032, pure, no context) over BouncyCastle, with Fabric's length checks.</summary>
public static class Ed25519
{
    public const int SecretSeedSize = 32;
    public const int PublicKeySize = 32;
    public const int SignatureSize = 64;

    /// <summary>The public key of a 32-byte secret seed (RFC 8032's "private key").</summary>
    public static byte[] PublicKeyFromSeed(ReadOnlySpan<byte> secretSeed)
    {
        RequireSeed(secretSeed);
        var publicKey = new byte[PublicKeySize];
        Rfc8032.GeneratePublicKey(secretSeed, publicKey);
        return publicKey;
    }

    /// <summary>
    /// True only for a valid signature; false, never an exception, for keys or signatures of the wrong length,
    /// public keys that are not curve points, or non-canonical signatures.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize)
        {
            return false;
        }

        return Rfc8032.Verify(signature, publicKey, message);
    }

    internal static byte[] Sign(ReadOnlySpan<byte> secretSeed, ReadOnlySpan<byte> message)
    {
        RequireSeed(secretSeed);
        var signature = new byte[SignatureSize];
        Rfc8032.Sign(secretSeed, message, signature);
        return signature;
    }

    private static void RequireSeed(ReadOnlySpan<byte> secretSeed)
    {
        if (secretSeed.Length != SecretSeedSize)
        {
            throw new WalletException($"An ed25519 secret seed is {SecretSeedSize} bytes, not {secretSeed.Length}.");
        }
    }
}
