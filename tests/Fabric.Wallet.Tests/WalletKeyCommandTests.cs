using System.CommandLine;
using System.Text.Json;
using Fabric.Cli;
using Fabric.Cli.Commands;

namespace Fabric.Wallet.Tests;

/// <summary>fabric wallet new|recover|address, run in-process on a command tree built as FabricCli builds it.</summary>
public sealed class WalletKeyCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fabric-wallet-cli-").FullName;

    private static SolanaVector Abandon => WalletVectors.All.Solana[0];

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string PathOf(string name) => Path.Combine(folder, name);

    [Fact]
    public async Task New_writes_an_owner_only_keypair_file_whose_address_is_what_address_prints()
    {
        var file = PathOf("sub/id.json");
        var created = await Run(null, "wallet", "new", "--outfile", file, "--json");
        Assert.Equal(ExitCodes.Ok, created.Exit);
        using var json = JsonDocument.Parse(created.Out);
        var address = json.RootElement.GetProperty("address").GetString();
        var mnemonic = json.RootElement.GetProperty("mnemonic").GetString()!;
        Assert.Equal(12, mnemonic.Split(' ').Length);
        Assert.Equal("m/44'/501'/0'/0'", json.RootElement.GetProperty("derivationPath").GetString());
        Assert.Equal(Path.GetFullPath(file), json.RootElement.GetProperty("keypairFile").GetString());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var printed = await Run(null, "wallet", "address", "--keypair", file);
        Assert.Equal(ExitCodes.Ok, printed.Exit);
        Assert.Equal(address + Environment.NewLine, printed.Out);
        Assert.Equal(address, KeypairFile.Read(file).Address.ToString());

        // The phrase shown is the one the file came from.
        var recovered = await Run(mnemonic, "wallet", "recover", "--outfile", PathOf("again.json"), "--json");
        Assert.Equal(address, Json(recovered.Out, "address"));
    }

    [Fact]
    public async Task New_shows_the_phrase_once_with_a_warning_and_makes_24_words_when_asked()
    {
        var file = PathOf("id.json");
        var result = await Run(null, "wallet", "new", "--words", "24", "-o", file);
        Assert.Equal(ExitCodes.Ok, result.Exit);
        var address = KeypairFile.Read(file).Address.ToString();
        Assert.Contains(address, result.Out, StringComparison.Ordinal);
        Assert.Contains("Write this recovery phrase down", result.Out, StringComparison.Ordinal);
        var phraseLine = result.Out.Split('\n').Select(l => l.Trim()).Single(l => l.Split(' ').Length == 24);
        Assert.True(RecoveryPhrase.TryParse(phraseLine, out _, out _));
    }

    [Theory]
    [InlineData("13")]
    [InlineData("0")]
    public async Task New_rejects_other_word_counts_as_a_usage_error(string words)
    {
        var result = await Run(null, "wallet", "new", "--words", words, "-o", PathOf("id.json"));
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.False(File.Exists(PathOf("id.json")));
    }

    [Fact]
    public async Task Json_address_is_an_object()
    {
        var file = PathOf("id.json");
        Assert.Equal(ExitCodes.Ok, (await Run(null, "wallet", "new", "-o", file)).Exit);
        var result = await Run(null, "wallet", "address", "-k", file, "--json");
        Assert.Equal(KeypairFile.Read(file).Address.ToString(), Json(result.Out, "address"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Recover_from_the_standard_test_mnemonic_gives_the_vector_address(int account)
    {
        var file = PathOf("id.json");
        var args = new List<string> { "wallet", "recover", "--outfile", file, "--json" };
        if (account != 0)
        {
            args.AddRange(["--account", account.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        // Blank lines before the phrase are skipped; the first non-empty line is the phrase.
        var result = await Run("\n  \n" + Abandon.Mnemonic + "\n", [.. args]);

        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.Equal(Abandon.Accounts[account].Address, Json(result.Out, "address"));
        Assert.Equal(Abandon.Accounts[account].Path, Json(result.Out, "derivationPath"));
        Assert.Equal(Abandon.Accounts[account].KeypairJson, File.ReadAllText(file));
        Assert.DoesNotContain(Abandon.Mnemonic, result.Out + result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recover_without_derivation_gives_the_solana_keygen_address()
    {
        var result = await Run(Abandon.Mnemonic, "wallet", "recover", "--no-derivation", "-o", PathOf("id.json"), "--json");
        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.Equal(Abandon.SolanaKeygenNoDerivation.Address, Json(result.Out, "address"));
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("derivationPath").ValueKind);
    }

    [Fact]
    public async Task Recover_uses_the_passphrase()
    {
        var vector = WalletVectors.All.Solana.First(v => v.Passphrase.Length > 0);
        var result = await Run(vector.Mnemonic, "wallet", "recover", "--passphrase", vector.Passphrase, "--account", "2",
            "-o", PathOf("id.json"));
        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.Contains(vector.Accounts[2].Address, result.Out, StringComparison.Ordinal);
        Assert.Equal(vector.Accounts[2].Address, KeypairFile.Read(PathOf("id.json")).Address.ToString());
    }

    [Fact]
    public async Task Overwrite_is_refused_without_force_and_done_with_it()
    {
        var file = PathOf("id.json");
        Assert.Equal(ExitCodes.Ok, (await Run(null, "wallet", "new", "-o", file)).Exit);
        var before = File.ReadAllText(file);

        var refusedNew = await Run(null, "wallet", "new", "-o", file);
        var refusedRecover = await Run(Abandon.Mnemonic, "wallet", "recover", "-o", file);
        foreach (var refused in new[] { refusedNew, refusedRecover })
        {
            Assert.Equal(ExitCodes.Rejected, refused.Exit);
            Assert.Contains(Path.GetFullPath(file), refused.Err, StringComparison.Ordinal);
            Assert.Contains("--force", refused.Err, StringComparison.Ordinal);
            Assert.Equal("", refused.Out);
        }

        Assert.Equal(before, File.ReadAllText(file));

        var forced = await Run(Abandon.Mnemonic, "wallet", "recover", "-o", file, "--force");
        Assert.Equal(ExitCodes.Ok, forced.Exit);
        Assert.Equal(Abandon.Accounts[0].KeypairJson, File.ReadAllText(file));
        Assert.Equal(ExitCodes.Ok, (await Run(null, "wallet", "new", "-o", file, "-f")).Exit);
        Assert.NotEqual(Abandon.Accounts[0].KeypairJson, File.ReadAllText(file));
    }

    [Theory]
    [InlineData(0, "checksum")]
    [InlineData(1, "11 words")]
    [InlineData(2, "word 12")]
    public async Task Bad_phrases_are_rejected_with_exit_1_and_the_library_message(int invalid, string expected)
    {
        var result = await Run(WalletVectors.All.InvalidMnemonics[invalid], "wallet", "recover", "-o", PathOf("id.json"));
        Assert.Equal(ExitCodes.Rejected, result.Exit);
        Assert.Contains(expected, result.Err, StringComparison.Ordinal);
        Assert.StartsWith("fabric: Recovery phrase", result.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("id.json")));
    }

    [Fact]
    public async Task Errors_are_json_on_stderr_with_json()
    {
        var result = await Run("zoo zoo zoo", "wallet", "recover", "-o", PathOf("id.json"), "--json");
        Assert.Equal(ExitCodes.Rejected, result.Exit);
        Assert.Equal("", result.Out);
        using var json = JsonDocument.Parse(result.Err);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("rejected", error.GetProperty("kind").GetString());
        Assert.Equal(ExitCodes.Rejected, error.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public async Task Empty_standard_input_is_rejected()
    {
        var result = await Run("\n\n", "wallet", "recover", "-o", PathOf("id.json"));
        Assert.Equal(ExitCodes.Rejected, result.Exit);
        Assert.Contains("No recovery phrase", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Account_with_no_derivation_is_a_usage_error()
    {
        var result = await Run(Abandon.Mnemonic, "wallet", "recover", "--no-derivation", "--account", "1", "-o", PathOf("id.json"));
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("--no-derivation", result.Err, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("id.json")));
    }

    [Fact]
    public async Task Negative_account_is_a_usage_error()
    {
        var result = await Run(Abandon.Mnemonic, "wallet", "recover", "--account", "-1", "-o", PathOf("id.json"));
        Assert.Equal(ExitCodes.Usage, result.Exit);
    }

    [Fact]
    public async Task The_phrase_is_never_an_argument()
    {
        var result = await Run(null, ["wallet", "recover", "-o", PathOf("id.json"), .. Abandon.Mnemonic.Split(' ')]);
        Assert.Equal(ExitCodes.Usage, result.Exit);
    }

    [Theory]
    [InlineData("[1,2,3]", "expected 64 numbers, found 3")]
    [InlineData("not json", "not valid JSON")]
    public async Task Address_of_a_malformed_keypair_file_is_rejected(string content, string expected)
    {
        var file = PathOf("bad.json");
        await File.WriteAllTextAsync(file, content);
        var result = await Run(null, "wallet", "address", "--keypair", file);
        Assert.Equal(ExitCodes.Rejected, result.Exit);
        Assert.Contains(file, result.Err, StringComparison.Ordinal);
        Assert.Contains(expected, result.Err, StringComparison.Ordinal);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task Address_of_a_missing_file_is_rejected()
    {
        var result = await Run(null, "wallet", "address", "-k", PathOf("missing.json"));
        Assert.Equal(ExitCodes.Rejected, result.Exit);
        Assert.Contains("does not exist", result.Err, StringComparison.Ordinal);
    }

    private static string? Json(string text, string property)
    {
        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty(property).GetString();
    }

    /// <summary>Parses and invokes as FabricCli.RunAsync does: parse errors are exit 64.</summary>
    private static async Task<(int Exit, string Out, string Err)> Run(string? stdin, params string[] args)
    {
        var services = new CliServices();
        var root = new RootCommand();
        foreach (var option in services.All)
        {
            root.Options.Add(option);
        }

        var wallet = new Command("wallet");
        WalletKeyCommands.AddTo(wallet, services, new StringReader(stdin ?? ""));
        root.Subcommands.Add(wallet);

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            return (ExitCodes.Usage, "", string.Join(Environment.NewLine, parse.Errors.Select(e => e.Message)));
        }

        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
