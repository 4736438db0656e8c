namespace Fabric.Wallet.Tests;

public sealed class RecoveryPhraseTests
{
    private const string Abandon11 =
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon";

    [Fact]
    public void Wrong_checksum_is_named_in_the_error()
    {
        var error = Assert.Throws<WalletException>(() => RecoveryPhrase.Parse(Abandon11 + " abandon"));
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_word_is_named_by_position_in_the_error()
    {
        var error = Assert.Throws<WalletException>(() => RecoveryPhrase.Parse(Abandon11 + " notaword"));
        Assert.Equal("Recovery phrase word 12 is not in the BIP39 English word list.", error.Message);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(15)]
    [InlineData(0)]
    public void Wrong_word_count_is_named_in_the_error(int count)
    {
        var phrase = string.Join(' ', Enumerable.Repeat("abandon", count));
        var error = Assert.Throws<WalletException>(() => RecoveryPhrase.Parse(phrase));
        Assert.Equal($"Recovery phrase has {count} words; expected 12 or 24.", error.Message);
    }

    [Fact]
    public void Case_and_extra_whitespace_are_ignored()
    {
        var phrase = RecoveryPhrase.Parse("  ABANDON abandon\tabandon abandon abandon abandon abandon abandon abandon abandon abandon  About \n");
        Assert.Equal(Abandon11 + " about", phrase.Phrase);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(24)]
    public void Generated_phrase_parses_back(int words)
    {
        var generated = RecoveryPhrase.Generate(words);
        Assert.Equal(words, generated.WordCount);
        Assert.Equal(generated.Phrase, RecoveryPhrase.Parse(generated.Phrase).Phrase);
        Assert.NotEqual(generated.Phrase, RecoveryPhrase.Generate(words).Phrase);
    }

    [Fact]
    public void Generate_refuses_other_lengths()
    {
        Assert.Throws<WalletException>(() => RecoveryPhrase.Generate(18));
    }

    [Fact]
    public void Passphrase_is_normalized_before_stretching()
    {
        // BIP39 stretches the NFKD form, so a composed and a decomposed "é" must give the same wallet.
        var phrase = RecoveryPhrase.Parse(Abandon11 + " about");
        Assert.Equal(phrase.DeriveSeed("caf\u00e9"), phrase.DeriveSeed("cafe\u0301"));
        Assert.NotEqual(phrase.DeriveSeed("cafe"), phrase.DeriveSeed("cafe\u0301"));
    }

    [Fact]
    public void ToString_never_shows_the_words()
    {
        var phrase = RecoveryPhrase.Parse(Abandon11 + " about");
        Assert.Equal("RecoveryPhrase(12 words)", phrase.ToString());
    }
}
