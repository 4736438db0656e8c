using Fabric.Integration.Infrastructure;

namespace Fabric.Integration;

/// <summary>The wallet as a user drives it: keypairs from the CLI, tokens minted by the local authority, a transfer.</summary>
public sealed class WalletCliTests(SingleSiloFixture fixture) : IClassFixture<SingleSiloFixture>
{
    private Task<CliResult> Cli(params string[] arguments) => CliRunner.RunAsync(fixture.WorkDir, arguments);

    private string AuthorityKey => Path.Combine(fixture.WorkDir, ".fabric", "keys", "authority.json");

    private async Task<string> NewWalletAsync(string file)
    {
        var created = await Cli("wallet", "new", "--outfile", file, "--json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var address = created.Json().GetProperty("address").GetString()!;
        var printed = await Cli("wallet", "address", "--keypair", file);
        Assert.Equal(address, printed.Stdout.Trim());
        return address;
    }

    private async Task<decimal> AvailableAsync(string keypair, string token)
    {
        var balance = await Cli("wallet", "balance", "--keypair", keypair, "--json");
        Assert.Equal(0, balance.ExitCode);
        return balance.Json().GetProperty("balances").EnumerateArray()
            .Single(b => b.GetProperty("token").GetString() == token).GetProperty("availableTokens").GetDecimal();
    }

    [Fact]
    public async Task Two_cli_wallets_exchange_tokens_and_the_ledger_stays_verified()
    {
        var alice = Path.Combine(fixture.WorkDir, $"alice-{Guid.NewGuid():N}.json");
        var bob = Path.Combine(fixture.WorkDir, $"bob-{Guid.NewGuid():N}.json");
        await NewWalletAsync(alice);
        var bobAddress = await NewWalletAsync(bob);
        var aliceAddress = (await Cli("wallet", "address", "-k", alice)).Stdout.Trim();

        var mint = await Cli("ledger", "mint", "--to", aliceAddress, "--amount", "100", "--token", "IO", "--keypair", AuthorityKey, "--json");
        Assert.True(mint.ExitCode == 0, mint.ToString());

        var requestId = Guid.NewGuid().ToString();
        var sent = await Cli("wallet", "transfer", "--to", bobAddress, "--amount", "12.5", "--token", "IO",
            "--keypair", alice, "--request-id", requestId, "--json");
        var resent = await Cli("wallet", "transfer", "--to", bobAddress, "--amount", "12.5", "--token", "IO",
            "--keypair", alice, "--request-id", requestId, "--json");

        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.False(sent.Json().GetProperty("duplicate").GetBoolean());
        Assert.Equal(0, resent.ExitCode);
        Assert.True(resent.Json().GetProperty("duplicate").GetBoolean());
        Assert.Equal(87.5m, await AvailableAsync(alice, "IO"));
        Assert.Equal(12.5m, await AvailableAsync(bob, "IO"));

        var history = (await Cli("wallet", "history", "--keypair", bob, "--json")).Json().GetProperty("items");
        var transfer = Assert.Single(history.EnumerateArray());
        Assert.Equal("transfer", transfer.GetProperty("kind").GetString());
        Assert.Equal(aliceAddress, transfer.GetProperty("requestedBy").GetString());

        var verify = await Cli("ledger", "verify", "--json");
        Assert.Equal(0, verify.ExitCode);
        Assert.True(verify.Json().GetProperty("ok").GetBoolean());
    }

    [Theory]
    [InlineData("Insufficient funds", "--amount", "1000000", "--token", "IO")]
    [InlineData("IO has 8 decimals", "--amount", "0.000000001", "--token", "IO")]
    [InlineData("Amount must be positive", "--amount", "-3", "--token", "IO")]
    [InlineData("Unknown token 'DOGE'", "--amount", "1", "--token", "DOGE")]
    public async Task Bad_transfers_exit_1_with_a_clear_error_and_change_nothing(string message, params string[] arguments)
    {
        var sender = Path.Combine(fixture.WorkDir, $"s-{Guid.NewGuid():N}.json");
        var receiver = Path.Combine(fixture.WorkDir, $"r-{Guid.NewGuid():N}.json");
        var senderAddress = await NewWalletAsync(sender);
        var receiverAddress = await NewWalletAsync(receiver);
        await Cli("ledger", "mint", "--to", senderAddress, "--amount", "10", "--token", "IO", "--keypair", AuthorityKey);

        var result = await Cli(["wallet", "transfer", "--to", receiverAddress, "--keypair", sender, "--json", .. arguments]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.ErrorJson().GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(10m, await AvailableAsync(sender, "IO"));
        Assert.Equal(0m, await AvailableAsync(receiver, "IO"));
    }

    [Fact]
    public async Task A_malformed_address_or_keypair_file_is_refused()
    {
        var wallet = Path.Combine(fixture.WorkDir, $"w-{Guid.NewGuid():N}.json");
        await NewWalletAsync(wallet);
        var broken = Path.Combine(fixture.WorkDir, $"broken-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(broken, "[1, 2, 3]", TestContext.Current.CancellationToken);

        var badAddress = await Cli("wallet", "transfer", "--to", "0OIl", "--amount", "1", "--token", "IO", "--keypair", wallet);
        var badKeypair = await Cli("wallet", "balance", "--keypair", broken);

        Assert.Equal(1, badAddress.ExitCode);
        Assert.Contains("address '0OIl' is malformed", badAddress.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, badKeypair.ExitCode);
        Assert.Contains(broken, badKeypair.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_network_authority_can_mint()
    {
        var wallet = Path.Combine(fixture.WorkDir, $"m-{Guid.NewGuid():N}.json");
        var address = await NewWalletAsync(wallet);

        var result = await Cli("ledger", "mint", "--to", address, "--amount", "1000", "--token", "IO", "--keypair", wallet, "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("may make it", result.ErrorJson().GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0m, await AvailableAsync(wallet, "IO"));
    }
}
