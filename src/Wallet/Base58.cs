namespace Fabric.Wallet;

/// <summary>Base58 with the Bitcoin alphabet, as Solana uses for addresses and signatures.</summary>
internal static class Base58
{
    public static string Encode(ReadOnlySpan<byte> bytes) => SimpleBase.Base58.Bitcoin.Encode(bytes);

    /// <summary>False for characters outside the alphabet; SimpleBase throws for those, callers here want a bool.</summary>
    public static bool TryDecode(string text, out byte[] bytes)
    {
        // Each base58 character carries less than one byte, so the decoded length never exceeds the text length.
        var buffer = new byte[text.Length];
        if (SimpleBase.Base58.Bitcoin.TryDecode(text, buffer, out var written))
        {
            bytes = buffer[..written];
            return true;
        }

        bytes = [];
        return false;
    }
}
