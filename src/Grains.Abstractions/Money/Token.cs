namespace Fabric.Money;

/// <summary>The network's tokens. Amounts are always integers in each token's smallest unit.</summary>
[GenerateSerializer, Alias("fabric.Token")]
public enum Token
{
    /// <summary>The network token: 8 decimals, as the SPL mint it models.</summary>
    IO = 0,

    /// <summary>The USD-pegged stable: 6 decimals, as USDC.</summary>
    IOSD = 1,
}

/// <summary>Scale facts for <see cref="Token"/>; the only place that knows them.</summary>
public static class TokenScale
{
    /// <summary>Number of decimal places of a token's base unit.</summary>
    public static int Decimals(this Token token) => token switch
    {
        Token.IO => 8,
        Token.IOSD => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(token), token, "Unknown token."),
    };

    /// <summary>Base units in one whole token.</summary>
    public static long UnitsPerToken(this Token token) => token switch
    {
        Token.IO => 100_000_000L,
        Token.IOSD => 1_000_000L,
        _ => throw new ArgumentOutOfRangeException(nameof(token), token, "Unknown token."),
    };

    /// <summary>
    /// Converts a human amount ("12.5") to base units. Rejects negative amounts, amounts with more decimals than the
    /// token has (silently rounding money is how ledgers drift), and amounts that overflow a 64-bit count.
    /// </summary>
    public static long ToBaseUnits(this Token token, decimal amount)
    {
        if (amount < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, "Amount must not be negative.");
        }

        // Compare before scaling: the product itself can overflow decimal.
        if (amount > (decimal)long.MaxValue / token.UnitsPerToken())
        {
            throw new ArgumentOutOfRangeException(nameof(amount), amount, $"Amount is too large for {token}.");
        }

        var scaled = amount * token.UnitsPerToken();
        if (scaled != decimal.Truncate(scaled))
        {
            throw new ArgumentException($"{token} has {token.Decimals()} decimals; {amount} has more.", nameof(amount));
        }

        return (long)scaled;
    }

    /// <summary>Converts base units to a whole-token decimal for display.</summary>
    public static decimal FromBaseUnits(this Token token, long baseUnits) => (decimal)baseUnits / token.UnitsPerToken();
}
