using Fabric.Money;

namespace Fabric.Tests;

public sealed class TokenScaleTests
{
    [Theory]
    [InlineData(Token.IOSD, "0.45", 450_000)]
    [InlineData(Token.IOSD, "12.5", 12_500_000)]
    [InlineData(Token.IO, "1", 100_000_000)]
    [InlineData(Token.IO, "0.00000001", 1)]
    public void Amounts_convert_exactly_to_base_units(Token token, string amount, long expected)
    {
        Assert.Equal(expected, token.ToBaseUnits(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture), token.FromBaseUnits(expected));
    }

    [Fact]
    public void Negative_amounts_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Token.IOSD.ToBaseUnits(-0.01m));

    [Fact]
    public void More_decimals_than_the_token_has_are_refused_not_rounded() =>
        Assert.Throws<ArgumentException>(() => Token.IOSD.ToBaseUnits(0.0000001m));

    [Fact]
    public void Amounts_past_a_64_bit_count_are_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Token.IO.ToBaseUnits(decimal.MaxValue / 10));
}
