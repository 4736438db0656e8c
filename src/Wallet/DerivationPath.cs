using System.Globalization;
using System.Text;

namespace Fabric.Wallet;

/// <summary>
/// A SLIP-0010 ed25519 derivation path such as <c>m/44'/501'/0'/0'</c>.
/// Every segment is hardened: ed25519 has no public-key child derivation, so SLIP-0010 defines none.
/// </summary>
public sealed class DerivationPath : IEquatable<DerivationPath>
{
    /// <summary>Added to an index to mark it hardened (2^31).</summary>
    public const uint HardenedOffset = 0x8000_0000;

    private const uint SolanaCoinType = 501;
    private const uint Bip44Purpose = 44;

    private readonly uint[] indices;

    /// <param name="hardenedIndices">Indices without the hardened bit (0 .. 2^31-1); each is used hardened.</param>
    public DerivationPath(params ReadOnlySpan<uint> hardenedIndices)
    {
        foreach (var index in hardenedIndices)
        {
            if (index >= HardenedOffset)
            {
                throw new WalletException(
                    $"Derivation index {index} is too large; pass the index without the hardened bit (at most {HardenedOffset - 1}).");
            }
        }

        indices = hardenedIndices.ToArray();
    }

    /// <summary>The path Solana wallets use by default: m/44'/501'/0'/0'.</summary>
    public static DerivationPath SolanaDefault => Solana(0);

    /// <summary>Segments as child numbers for derivation, hardened bit included.</summary>
    public IReadOnlyList<uint> ChildNumbers => Array.ConvertAll(indices, i => i | HardenedOffset);

    public int Depth => indices.Length;

    /// <summary>Account <paramref name="account"/> of the Solana layout: m/44'/501'/account'/0'.</summary>
    public static DerivationPath Solana(int account)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(account);
        return new DerivationPath(Bip44Purpose, SolanaCoinType, (uint)account, 0);
    }

    /// <summary>Parses "m", "m/0'", "m/44'/501'/0'/0'"; "h" or "H" are accepted in place of "'".</summary>
    /// <exception cref="WalletException">Malformed text or a non-hardened segment.</exception>
    public static DerivationPath Parse(string path)
    {
        if (TryParse(path, out var result, out var error))
        {
            return result;
        }

        throw new WalletException(error);
    }

    public static bool TryParse(
        string? path,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DerivationPath? result,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(path))
        {
            error = "Derivation path is empty; expected something like m/44'/501'/0'/0'.";
            return false;
        }

        var segments = path.Trim().Split('/');
        if (segments[0] != "m")
        {
            error = $"Derivation path '{path}' must start with 'm'.";
            return false;
        }

        var parsed = new uint[segments.Length - 1];
        for (var i = 1; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Length < 2 || segment[^1] is not ('\'' or 'h' or 'H'))
            {
                error = $"Derivation path '{path}' segment {i} ('{segment}') is not hardened; "
                    + $"ed25519 (SLIP-0010) only derives hardened children, write it as {segment}'.";
                return false;
            }

            var digits = segment.AsSpan(0, segment.Length - 1);
            // ASCII digits only, so that e.g. full-width digits cannot spell the same path another way.
            if (digits.IsEmpty
                || digits.ContainsAnyExceptInRange('0', '9')
                || !uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                || index >= HardenedOffset)
            {
                error = $"Derivation path '{path}' segment {i} ('{segment}') is not a number from 0 to {HardenedOffset - 1} followed by '.";
                return false;
            }

            parsed[i - 1] = index;
        }

        result = new DerivationPath(parsed);
        error = null;
        return true;
    }

    public bool Equals(DerivationPath? other) => other is not null && indices.AsSpan().SequenceEqual(other.indices);

    public override bool Equals(object? obj) => Equals(obj as DerivationPath);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var index in indices)
        {
            hash.Add(index);
        }

        return hash.ToHashCode();
    }

    public override string ToString()
    {
        var text = new StringBuilder("m");
        foreach (var index in indices)
        {
            text.Append('/').Append(index.ToString(CultureInfo.InvariantCulture)).Append('\'');
        }

        return text.ToString();
    }
}
