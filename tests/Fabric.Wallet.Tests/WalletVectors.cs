using System.Text.Json;

namespace Fabric.Wallet.Tests;

/// <summary>The public vectors in TestData/wallet.json (a copy of shared/vectors/wallet.json).</summary>
public static class WalletVectors
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // A renamed or added field in the vector file should fail loudly, not be skipped silently.
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    private static readonly Lazy<VectorFile> File = new(Load);

    public static VectorFile All => File.Value;

    public static TheoryData<int> Indices(int count)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static byte[] Hex(string hex) => Convert.FromHexString(hex);

    private static VectorFile Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "wallet.json");
        return JsonSerializer.Deserialize<VectorFile>(System.IO.File.ReadAllText(path), Options)
            ?? throw new InvalidOperationException($"{path} is empty");
    }
}

public sealed record VectorFile(
    string Description,
    IReadOnlyList<Ed25519Vector> Ed25519,
    IReadOnlyList<Slip10Vector> Slip10,
    IReadOnlyList<SolanaVector> Solana,
    IReadOnlyList<Base58Vector> Base58,
    IReadOnlyList<string> InvalidMnemonics);

public sealed record Ed25519Vector(string SecretKey, string PublicKey, string Message, string Signature);

public sealed record Slip10Vector(string Seed, IReadOnlyList<Slip10Chain> Chains);

public sealed record Slip10Chain(string Path, string ChainCode, string PrivateKey, string PublicKey);

public sealed record SolanaVector(
    string Mnemonic,
    string Passphrase,
    string Seed,
    IReadOnlyList<SolanaAccount> Accounts,
    SolanaNoDerivation SolanaKeygenNoDerivation);

public sealed record SolanaAccount(string Path, string Address, string KeypairJson);

public sealed record SolanaNoDerivation(string Address);

public sealed record Base58Vector(string Hex, string Base58);
