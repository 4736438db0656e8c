namespace Fabric.Wallet.Tests;

public sealed class DerivationPathTests
{
    [Fact]
    public void Solana_default_path_is_44_501_0_0()
    {
        Assert.Equal("m/44'/501'/0'/0'", DerivationPath.SolanaDefault.ToString());
        Assert.Equal("m/44'/501'/7'/0'", DerivationPath.Solana(7).ToString());
    }

    [Theory]
    [InlineData("m", "m")]
    [InlineData("m/44'/501'/0'/0'", "m/44'/501'/0'/0'")]
    [InlineData("m/44h/501H/2'/0'", "m/44'/501'/2'/0'")]
    [InlineData("m/2147483647'", "m/2147483647'")]
    public void Parse_reads_hardened_paths(string text, string canonical)
    {
        var path = DerivationPath.Parse(text);
        Assert.Equal(canonical, path.ToString());
        Assert.Equal(path, DerivationPath.Parse(canonical));
    }

    [Fact]
    public void Child_numbers_carry_the_hardened_bit()
    {
        Assert.Equal([0x8000_002Cu, 0x8000_01F5u, 0x8000_0000u, 0x8000_0000u], DerivationPath.SolanaDefault.ChildNumbers);
    }

    [Fact]
    public void Non_hardened_segment_is_refused()
    {
        var error = Assert.Throws<WalletException>(() => DerivationPath.Parse("m/44'/501'/0'/0"));
        Assert.Contains("not hardened", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_hardened_child_index_is_refused_by_derivation()
    {
        var master = Slip10.Master(new byte[32]);
        var error = Assert.Throws<WalletException>(() => Slip10.Child(master, 5));
        Assert.Contains("not hardened", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("44'/501'")]
    [InlineData("m/")]
    [InlineData("m/-1'")]
    [InlineData("m/+1'")]
    [InlineData("m/ 1'")]
    [InlineData("m/2147483648'")]
    [InlineData("m/x'")]
    [InlineData("m//0'")]
    public void Malformed_path_is_refused(string text)
    {
        Assert.False(DerivationPath.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Throws<WalletException>(() => DerivationPath.Parse(text));
    }
}
