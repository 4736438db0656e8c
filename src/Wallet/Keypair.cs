using System.Security.Cryptography;

namespace Fabric.Wallet;

/// <summary>
/// An ed25519 keypair: the 32-byte secret seed and the 32-byte public key derived from it.
/// The secret never leaves except through <see cref="ExportSecretSeed"/> and <see cref="ToBytes"/>.
/// </summary>
public sealed class Keypair
{
    /// <summary>Secret seed followed by public key, as in a solana-keygen file.</summary>
    public const int KeypairBytes = Ed25519.SecretSeedSize + Ed25519.PublicKeySize;

    private readonly byte[] secretSeed;

    // Imported once: deriving the public key costs as much as a signature. libsodium frees it when it is collected.
    private readonly NSec.Cryptography.Key signingKey;

    private Keypair(byte[] secretSeed)
    {
        this.secretSeed = secretSeed;
        signingKey = Ed25519.Import(secretSeed);
        Address = WalletAddress.FromPublicKey(Ed25519.PublicKeyOf(signingKey));
    }

    public WalletAddress Address { get; }

    /// <summary>A new keypair from operating-system randomness.</summary>
    public static Keypair Generate() => new(RandomNumberGenerator.GetBytes(Ed25519.SecretSeedSize));

    /// <exception cref="WalletException">The seed is not 32 bytes.</exception>
    public static Keypair FromSecretSeed(ReadOnlySpan<byte> secretSeed)
    {
        if (secretSeed.Length != Ed25519.SecretSeedSize)
        {
            throw new WalletException($"An ed25519 secret seed is {Ed25519.SecretSeedSize} bytes, not {secretSeed.Length}.");
        }

        return new Keypair(secretSeed.ToArray());
    }

    /// <summary>The key at <paramref name="path"/> (SLIP-0010 ed25519) under a 64-byte BIP39 seed.</summary>
    public static Keypair FromBip39Seed(ReadOnlySpan<byte> bip39Seed, DerivationPath path)
    {
        var node = Slip10.Derive(bip39Seed, path);
        CryptographicOperations.ZeroMemory(node.ChainCode);
        return new Keypair(node.PrivateKey);
    }

    /// <summary>
    /// What solana-keygen makes from a phrase when no derivation path is given: the first 32 bytes of the
    /// BIP39 seed used directly as the secret seed. Kept so such wallets can be recovered here.
    /// </summary>
    public static Keypair FromBip39SeedWithoutDerivation(ReadOnlySpan<byte> bip39Seed)
    {
        if (bip39Seed.Length < Ed25519.SecretSeedSize)
        {
            throw new WalletException($"A BIP39 seed is 64 bytes, not {bip39Seed.Length}.");
        }

        return new Keypair(bip39Seed[..Ed25519.SecretSeedSize].ToArray());
    }

    /// <summary>Phrase + passphrase → BIP39 seed → <paramref name="path"/> (default m/44'/501'/0'/0').</summary>
    public static Keypair FromRecoveryPhrase(RecoveryPhrase phrase, string passphrase = "", DerivationPath? path = null)
    {
        ArgumentNullException.ThrowIfNull(phrase);
        var seed = phrase.DeriveSeed(passphrase);
        try
        {
            return FromBip39Seed(seed, path ?? DerivationPath.SolanaDefault);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>
    /// Reads the 64 bytes of a solana-keygen keypair (secret seed, then public key), checking that
    /// the public half belongs to the secret half.
    /// </summary>
    /// <exception cref="WalletException">Wrong length or mismatched halves.</exception>
    public static Keypair FromBytes(ReadOnlySpan<byte> keypair)
    {
        if (keypair.Length != KeypairBytes)
        {
            throw new WalletException($"A keypair is {KeypairBytes} bytes (secret seed then public key), not {keypair.Length}.");
        }

        var result = FromSecretSeed(keypair[..Ed25519.SecretSeedSize]);
        if (result.Address != WalletAddress.FromPublicKey(keypair[Ed25519.SecretSeedSize..]))
        {
            throw new WalletException("The public key does not belong to the secret key.");
        }

        return result;
    }

    public byte[] PublicKey => Address.ToPublicKey();

    /// <summary>The 64-byte ed25519 signature of <paramref name="message"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message) => Ed25519.Sign(signingKey, message);

    /// <summary>A copy of the 32-byte secret seed. Handle as a secret.</summary>
    public byte[] ExportSecretSeed() => (byte[])secretSeed.Clone();

    /// <summary>Secret seed then public key, 64 bytes: the solana-keygen layout. Handle as a secret.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[KeypairBytes];
        secretSeed.CopyTo(bytes, 0);
        Address.WriteTo(bytes.AsSpan(Ed25519.SecretSeedSize));
        return bytes;
    }

    /// <summary>Shows only the address, so a keypair in a log or exception message leaks nothing.</summary>
    public override string ToString() => $"Keypair({Address})";
}
