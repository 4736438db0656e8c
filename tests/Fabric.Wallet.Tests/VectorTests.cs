namespace Fabric.Wallet.Tests;

using static WalletVectors;

public sealed class VectorTests
{
    public static TheoryData<int> Ed25519Cases => Indices(All.Ed25519.Count);

    public static TheoryData<int> Base58Cases => Indices(All.Base58.Count);

    public static TheoryData<int> SolanaCases => Indices(All.Solana.Count);

    public static TheoryData<int> InvalidMnemonicCases => Indices(All.InvalidMnemonics.Count);

    public static TheoryData<int> Slip10Vector1Chains => Indices(All.Slip10[0].Chains.Count);

    public static TheoryData<int> Slip10Vector2Chains => Indices(All.Slip10[1].Chains.Count);

    public static TheoryData<int, int> SolanaAccountCases
    {
        get
        {
            var data = new TheoryData<int, int>();
            for (var v = 0; v < All.Solana.Count; v++)
            {
                for (var a = 0; a < All.Solana[v].Accounts.Count; a++)
                {
                    data.Add(v, a);
                }
            }

            return data;
        }
    }

    [Fact]
    public void Vector_file_has_every_section()
    {
        Assert.Equal(3, All.Ed25519.Count);
        Assert.Equal(2, All.Slip10.Count);
        Assert.NotEmpty(All.Solana);
        Assert.NotEmpty(All.Base58);
        Assert.NotEmpty(All.InvalidMnemonics);
    }

    [Theory]
    [MemberData(nameof(Ed25519Cases))]
    public void Ed25519_rfc8032_vector_derives_public_key_signs_and_verifies(int index)
    {
        var vector = All.Ed25519[index];
        var keypair = Keypair.FromSecretSeed(Hex(vector.SecretKey));
        var message = Hex(vector.Message);
        var expectedSignature = Hex(vector.Signature);

        Assert.Equal(Hex(vector.PublicKey), keypair.PublicKey);
        Assert.Equal(Hex(vector.PublicKey), Ed25519.PublicKeyFromSeed(Hex(vector.SecretKey)));
        Assert.Equal(expectedSignature, keypair.Sign(message));
        Assert.True(Ed25519.Verify(Hex(vector.PublicKey), message, expectedSignature));
        Assert.True(keypair.Address.Verify(message, expectedSignature));
    }

    [Theory]
    [MemberData(nameof(Slip10Vector1Chains))]
    public void Derivation_matches_slip10_vector_1(int chainIndex) => AssertSlip10(All.Slip10[0], chainIndex);

    [Theory]
    [MemberData(nameof(Slip10Vector2Chains))]
    public void Derivation_matches_slip10_vector_2(int chainIndex) => AssertSlip10(All.Slip10[1], chainIndex);

    private static void AssertSlip10(Slip10Vector vector, int chainIndex)
    {
        var chain = vector.Chains[chainIndex];

        var node = Slip10.Derive(Hex(vector.Seed), DerivationPath.Parse(chain.Path));

        Assert.Equal(Hex(chain.ChainCode), node.ChainCode);
        Assert.Equal(Hex(chain.PrivateKey), node.PrivateKey);
        // SLIP-0010 writes ed25519 public keys with a 0x00 prefix to make them 33 bytes like secp256k1 keys.
        Assert.Equal(Hex(chain.PublicKey), [0x00, .. Ed25519.PublicKeyFromSeed(node.PrivateKey)]);
    }

    [Fact]
    public void Derivation_matches_slip10_vector_1_by_child_steps()
    {
        var vector = All.Slip10[0];
        var node = Slip10.Master(Hex(vector.Seed));
        uint[] childNumbers = [0, 1, 2, 2, 1_000_000_000];
        for (var i = 0; i < childNumbers.Length; i++)
        {
            node = Slip10.Child(node, childNumbers[i] + DerivationPath.HardenedOffset);
            Assert.Equal(Hex(vector.Chains[i + 1].PrivateKey), node.PrivateKey);
        }
    }

    [Theory]
    [MemberData(nameof(SolanaCases))]
    public void Recovery_phrase_and_passphrase_give_the_bip39_seed(int index)
    {
        var vector = All.Solana[index];
        var seed = RecoveryPhrase.Parse(vector.Mnemonic).DeriveSeed(vector.Passphrase);
        Assert.Equal(Hex(vector.Seed), seed);
    }

    [Theory]
    [MemberData(nameof(SolanaAccountCases))]
    public void Solana_account_address_and_keypair_file_match_the_vector(int vectorIndex, int accountIndex)
    {
        var vector = All.Solana[vectorIndex];
        var account = vector.Accounts[accountIndex];
        var path = DerivationPath.Parse(account.Path);

        var keypair = Keypair.FromRecoveryPhrase(RecoveryPhrase.Parse(vector.Mnemonic), vector.Passphrase, path);

        Assert.Equal(path, DerivationPath.Solana(accountIndex));
        Assert.Equal(account.Address, keypair.Address.ToString());
        Assert.Equal(WalletAddress.Parse(account.Address), keypair.Address);
        Assert.Equal(account.KeypairJson, KeypairFile.Serialize(keypair));
        Assert.Equal(keypair.Address, KeypairFile.Parse(account.KeypairJson, "vector").Address);
    }

    [Theory]
    [MemberData(nameof(SolanaCases))]
    public void Solana_default_path_is_account_zero(int index)
    {
        var vector = All.Solana[index];
        var keypair = Keypair.FromRecoveryPhrase(RecoveryPhrase.Parse(vector.Mnemonic), vector.Passphrase);
        Assert.Equal(vector.Accounts[0].Address, keypair.Address.ToString());
    }

    [Theory]
    [MemberData(nameof(SolanaCases))]
    public void Solana_keygen_without_derivation_uses_first_half_of_seed(int index)
    {
        var vector = All.Solana[index];
        var seed = RecoveryPhrase.Parse(vector.Mnemonic).DeriveSeed(vector.Passphrase);
        var keypair = Keypair.FromBip39SeedWithoutDerivation(seed);
        Assert.Equal(vector.SolanaKeygenNoDerivation.Address, keypair.Address.ToString());
    }

    [Theory]
    [MemberData(nameof(Base58Cases))]
    public void Base58_vector_round_trips(int index)
    {
        var vector = All.Base58[index];
        Assert.Equal(vector.Base58, Base58.Encode(Hex(vector.Hex)));
        Assert.True(Base58.TryDecode(vector.Base58, out var decoded));
        Assert.Equal(Hex(vector.Hex), decoded);
    }

    [Theory]
    [MemberData(nameof(InvalidMnemonicCases))]
    public void Invalid_mnemonic_vector_is_rejected(int index)
    {
        var phrase = All.InvalidMnemonics[index];
        var error = Assert.Throws<WalletException>(() => RecoveryPhrase.Parse(phrase));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        Assert.False(RecoveryPhrase.TryParse(phrase, out _, out var message));
        Assert.Equal(error.Message, message);
    }
}
