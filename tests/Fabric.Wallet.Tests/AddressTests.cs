namespace Fabric.Wallet.Tests;

public sealed class AddressTests
{
    private const string Known = "HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk";

    [Fact]
    public void Address_round_trips_through_text()
    {
        var address = WalletAddress.Parse(Known);
        Assert.Equal(Known, address.ToString());
        Assert.Equal(address, WalletAddress.FromPublicKey(address.ToPublicKey()));
        Assert.True(address == WalletAddress.Parse(Known));
    }

    [Theory]
    [InlineData("HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpq0", "not base58")]
    [InlineData("HAgk14JpMQLgt6rVgv7cBQFJWFto5DqxiI72uT3DKpqk", "not base58")]
    [InlineData("HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKp", "decodes to 31 bytes")]
    [InlineData("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", "decodes to 33 bytes")]
    [InlineData("2g", "decodes to 1 bytes")]
    [InlineData("", "empty")]
    [InlineData("HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqkHAgk", "at most 44")]
    public void Malformed_address_is_rejected_with_the_reason(string text, string reason)
    {
        Assert.False(WalletAddress.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        var thrown = Assert.Throws<WalletException>(() => WalletAddress.Parse(text));
        Assert.Equal(error, thrown.Message);
    }

    [Fact]
    public void Default_address_is_the_all_zero_key()
    {
        Assert.Equal("11111111111111111111111111111111", default(WalletAddress).ToString());
    }

    [Fact]
    public void Public_key_of_wrong_length_is_rejected()
    {
        Assert.Throws<WalletException>(() => WalletAddress.FromPublicKey(new byte[31]));
    }

    [Fact]
    public void Keypair_ToString_shows_only_the_address()
    {
        var keypair = Keypair.FromSecretSeed(new byte[32]);
        Assert.Equal($"Keypair({keypair.Address})", keypair.ToString());
    }

    [Fact]
    public void Keypair_bytes_with_mismatched_halves_are_rejected()
    {
        var bytes = Keypair.Generate().ToBytes();
        bytes[^1] ^= 1;
        Assert.Throws<WalletException>(() => Keypair.FromBytes(bytes));
    }

    [Fact]
    public void Verify_returns_false_for_wrong_lengths_instead_of_throwing()
    {
        var keypair = Keypair.Generate();
        var signature = keypair.Sign([1, 2, 3]);
        Assert.True(Ed25519.Verify(keypair.PublicKey, [1, 2, 3], signature));
        Assert.False(Ed25519.Verify(keypair.PublicKey, [1, 2, 3], signature.AsSpan(0, 63)));
        Assert.False(Ed25519.Verify(keypair.PublicKey, [1, 2, 3], [.. signature, 0]));
        Assert.False(Ed25519.Verify(keypair.PublicKey, [1, 2, 3], []));
        Assert.False(Ed25519.Verify(keypair.PublicKey.AsSpan(0, 31), [1, 2, 3], signature));
        Assert.False(Ed25519.Verify([], [1, 2, 3], signature));
        Assert.False(Ed25519.Verify(new byte[32], [1, 2, 3], new byte[64]));
        Assert.False(Ed25519.Verify(Enumerable.Repeat((byte)0xFF, 32).ToArray(), [1, 2, 3], signature));
    }
}
