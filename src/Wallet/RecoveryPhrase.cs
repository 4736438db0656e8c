using System.Security.Cryptography;
using NBitcoin;

namespace Fabric.Wallet;

/// <summary>
/// A checked BIP39 recovery phrase (English word list, 12 or 24 words).
/// Construction validates word count, words and checksum, so an instance is always usable.
/// </summary>
public sealed class RecoveryPhrase
{
    private readonly Mnemonic mnemonic;

    private RecoveryPhrase(Mnemonic mnemonic, string phrase)
    {
        this.mnemonic = mnemonic;
        Phrase = phrase;
    }

    /// <summary>The words, lower case, separated by single spaces. This is the secret: show it once, never log it.</summary>
    public string Phrase { get; }

    public int WordCount => mnemonic.Words.Length;

    /// <summary>Makes a new phrase from operating-system randomness: 12 words = 128 bits, 24 words = 256 bits.</summary>
    public static RecoveryPhrase Generate(int wordCount = 24)
    {
        var entropyBytes = wordCount switch
        {
            12 => 16,
            24 => 32,
            _ => throw new WalletException($"A recovery phrase has 12 or 24 words, not {wordCount}."),
        };

        // Entropy comes from the OS CSPRNG here rather than NBitcoin's replaceable RandomUtils source.
        var entropy = RandomNumberGenerator.GetBytes(entropyBytes);
        try
        {
            var generated = new Mnemonic(Wordlist.English, entropy);
            return new RecoveryPhrase(generated, string.Join(' ', generated.Words));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(entropy);
        }
    }

    /// <summary>Parses a phrase typed by a person: case and extra whitespace are ignored.</summary>
    /// <exception cref="WalletException">Wrong word count, a word not in the list, or a bad checksum.</exception>
    public static RecoveryPhrase Parse(string phrase)
    {
        ArgumentNullException.ThrowIfNull(phrase);
#pragma warning disable CA1308 // BIP39 English words are lower case; upper-casing would not match the list.
        var words = phrase.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
#pragma warning restore CA1308

        if (words.Length is not (12 or 24))
        {
            throw new WalletException($"Recovery phrase has {words.Length} words; expected 12 or 24.");
        }

        for (var i = 0; i < words.Length; i++)
        {
            // Only the position is reported: the mistyped word is still close to a secret word.
            if (!Wordlist.English.WordExists(words[i], out _))
            {
                throw new WalletException($"Recovery phrase word {i + 1} is not in the BIP39 English word list.");
            }
        }

        var normalized = string.Join(' ', words);
        var parsed = new Mnemonic(normalized, Wordlist.English);
        if (!parsed.IsValidChecksum)
        {
            throw new WalletException(
                "Recovery phrase checksum does not match: a word is mistyped, missing or out of order.");
        }

        return new RecoveryPhrase(parsed, normalized);
    }

    /// <summary>Parses without throwing; <paramref name="error"/> says what was wrong.</summary>
    public static bool TryParse(string? phrase, out RecoveryPhrase? result, out string? error)
    {
        result = null;
        error = null;
        if (phrase is null)
        {
            error = "Recovery phrase is missing.";
            return false;
        }

        try
        {
            result = Parse(phrase);
            return true;
        }
        catch (WalletException e)
        {
            error = e.Message;
            return false;
        }
    }

    /// <summary>
    /// The 64-byte BIP39 seed: PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + passphrase (both NFKD).
    /// </summary>
    public byte[] DeriveSeed(string passphrase = "")
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        return mnemonic.DeriveSeed(passphrase);
    }

    /// <summary>Never prints the words.</summary>
    public override string ToString() => $"RecoveryPhrase({WordCount} words)";
}
