using NSec.Cryptography;

namespace Fabric.Wallet;

/// <summary>
/// Ed25519 (RFC 8032, pure, no context) over libsodium through NSec, with Fabric's length checks. libsodium signs and
/// verifies about ten times faster than a managed implementation, and every state-changing request pays for one
/// signature on the client and one verification in a grain.
/// </summary>
public static class Ed25519
{
    public const int SecretSeedSize = 32;
    public const int PublicKeySize = 32;
    public const int SignatureSize = 64;

    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;

    /// <summary>The public key of a 32-byte secret seed (RFC 8032's "private key").</summary>
    public static byte[] PublicKeyFromSeed(ReadOnlySpan<byte> secretSeed)
    {
        using var key = Import(secretSeed);
        return PublicKeyOf(key);
    }

    /// <summary>
    /// True only for a valid signature; false, never an exception, for keys or signatures of the wrong length,
    /// public keys that are not curve points, or non-canonical signatures.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != PublicKeySize || signature.Length != SignatureSize
            || !PublicKey.TryImport(Algorithm, publicKey, KeyBlobFormat.RawPublicKey, out var key))
        {
            return false;
        }

        return Algorithm.Verify(key!, message, signature);
    }

    /// <summary>
    /// The seed as a signing key held in libsodium's guarded memory. Importing derives the public key, a scalar
    /// multiplication as costly as a signature, so a keypair imports once and signs many times.
    /// </summary>
    internal static Key Import(ReadOnlySpan<byte> secretSeed)
    {
        if (secretSeed.Length != SecretSeedSize)
        {
            throw new WalletException($"An ed25519 secret seed is {SecretSeedSize} bytes, not {secretSeed.Length}.");
        }

        return Key.Import(Algorithm, secretSeed, KeyBlobFormat.RawPrivateKey);
    }

    internal static byte[] PublicKeyOf(Key key) => key.PublicKey.Export(KeyBlobFormat.RawPublicKey);

    internal static byte[] Sign(Key key, ReadOnlySpan<byte> message) => Algorithm.Sign(key, message);
}
