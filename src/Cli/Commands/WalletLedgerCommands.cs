using System.CommandLine;
using System.Globalization;
using Fabric.Client;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Wallet;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary>The wallet commands that talk to the cluster: balance, transfer, history, withdraw, burn.</summary>
public static class WalletLedgerCommands
{
    public static void AddTo(Command wallet, CliServices services)
    {
        wallet.Subcommands.Add(Balance(services));
        wallet.Subcommands.Add(Transfer(services));
        wallet.Subcommands.Add(History(services));
        wallet.Subcommands.Add(Withdraw(services));
        wallet.Subcommands.Add(Burn(services));
    }

    internal static Option<string> KeypairOption(string description = "Keypair file that signs (default ~/.config/fabric/id.json)") =>
        new("--keypair", "-k") { Description = description, HelpName = "file" };

    internal static Option<Guid?> RequestIdOption() => new("--request-id")
    {
        Description = "Reuse this request id to retry a request safely (it is applied at most once)",
    };

    internal static Keypair LoadKeypair(ParseResult parse, Option<string> option) =>
        KeypairFile.Read(parse.GetValue(option) ?? KeypairFile.DefaultPath());

    internal static Token ParseToken(string? token) => token?.ToUpperInvariant() switch
    {
        "IO" => Token.IO,
        "IOSD" => Token.IOSD,
        _ => throw new FabricRejectedException($"Unknown token '{token}': use IO or IOSD."),
    };

    internal static long ParseAmount(decimal amount, Token token)
    {
        if (amount <= 0)
        {
            throw new FabricRejectedException($"Amount must be positive (got {amount}).");
        }

        try
        {
            return token.ToBaseUnits(amount);
        }
        catch (ArgumentException e)
        {
            throw new FabricRejectedException($"Amount {amount}: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    internal static WalletAddress ParseAddress(string text, string what) =>
        WalletAddress.TryParse(text, out var address, out var error)
            ? address
            : throw new FabricRejectedException($"The {what} address '{text}' is malformed: {error}");

    /// <summary>Sends a state change, naming its request id if Fabric cannot be reached, so the user can retry it.</summary>
    internal static async Task<LedgerReceipt> SendAsync(Guid requestId, Func<Guid, Task<LedgerReceipt>> send)
    {
        try
        {
            return await send(requestId);
        }
        catch (FabricUnreachableException e)
        {
            throw new FabricUnreachableException($"{e.Message} The request may or may not have been applied: retry with --request-id {requestId}.", e);
        }
    }

    internal static void Receipt(CliOutput output, LedgerReceipt receipt, Guid requestId, string done) =>
        output.Result(new { receipt.OperationId, requestId, receipt.Sequence, receipt.Duplicate, receipt.Hash }, console =>
            console.MarkupLine(receipt.Duplicate
                ? $"Already applied as event #{receipt.Sequence}; nothing changed."
                : $"{Markup.Escape(done)} (event #{receipt.Sequence}, request {requestId})."));

    private static Command Balance(CliServices services)
    {
        var keypair = KeypairOption("Keypair file whose wallet to show (default ~/.config/fabric/id.json)");
        var address = new Option<string>("--address", "-a") { Description = "Show this address instead of the keypair's" };
        var command = new Command("balance", "Show a wallet's balances per token: available and held in escrow") { keypair, address };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var wallet = parse.GetValue(address) is { } text ? ParseAddress(text, "wallet") : LoadKeypair(parse, keypair).Address;
            var balances = await client.GetBalancesAsync(wallet, ct);
            output.Result(new
            {
                address = wallet.ToString(),
                balances = balances.Select(b => new
                {
                    token = b.Token, b.Available, b.Held, decimals = b.Token.Decimals(),
                    availableTokens = b.Token.FromBaseUnits(b.Available), heldTokens = b.Token.FromBaseUnits(b.Held),
                }),
            }, console =>
            {
                console.WriteLine(wallet.ToString());
                var table = new Table().AddColumns("Token", "Available", "Held");
                foreach (var b in balances)
                {
                    table.AddRow(b.Token.ToString(), Amount(b.Token, b.Available), Amount(b.Token, b.Held));
                }

                console.Write(table);
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Transfer(CliServices services)
    {
        var to = new Option<string>("--to") { Description = "Recipient wallet address", Required = true };
        var amount = new Option<decimal>("--amount") { Description = "Amount in whole tokens, e.g. 12.5", Required = true };
        var token = new Option<string>("--token") { Description = "IO or IOSD", Required = true };
        var keypair = KeypairOption();
        var requestId = RequestIdOption();
        var command = new Command("transfer", "Send tokens to another wallet (signed by your keypair)") { to, amount, token, keypair, requestId };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var signer = LoadKeypair(parse, keypair);
            var recipient = ParseAddress(parse.GetRequiredValue(to), "recipient");
            var which = ParseToken(parse.GetValue(token));
            var units = ParseAmount(parse.GetValue(amount), which);
            var id = parse.GetValue(requestId) ?? Guid.NewGuid();
            var receipt = await SendAsync(id, i => client.TransferAsync(signer, recipient, which, units, i, ct));
            Receipt(output, receipt, id, $"Sent {which.FromBaseUnits(units)} {which} to {recipient}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Withdraw(CliServices services)
    {
        var amount = new Option<decimal>("--amount") { Description = "IOSD to redeem for USD", Required = true };
        var reference = new Option<string>("--reference") { Description = "Where the USD goes (payout reference)", Required = true };
        var keypair = KeypairOption();
        var requestId = RequestIdOption();
        var command = new Command("withdraw", "Redeem IOSD for USD: the IOSD is burned") { amount, reference, keypair, requestId };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var signer = LoadKeypair(parse, keypair);
            var units = ParseAmount(parse.GetValue(amount), Token.IOSD);
            var id = parse.GetValue(requestId) ?? Guid.NewGuid();
            var receipt = await SendAsync(id, i => client.WithdrawAsync(signer, units, parse.GetRequiredValue(reference), i, ct));
            Receipt(output, receipt, id, $"Withdrew {Token.IOSD.FromBaseUnits(units)} IOSD");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Burn(CliServices services)
    {
        var amount = new Option<decimal>("--amount") { Description = "Amount to destroy", Required = true };
        var token = new Option<string>("--token") { Description = "IO or IOSD", Required = true };
        var keypair = KeypairOption();
        var requestId = RequestIdOption();
        var command = new Command("burn", "Destroy tokens from your wallet") { amount, token, keypair, requestId };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var signer = LoadKeypair(parse, keypair);
            var which = ParseToken(parse.GetValue(token));
            var units = ParseAmount(parse.GetValue(amount), which);
            var id = parse.GetValue(requestId) ?? Guid.NewGuid();
            var receipt = await SendAsync(id, i => client.BurnAsync(signer, which, units, i, ct));
            Receipt(output, receipt, id, $"Burned {which.FromBaseUnits(units)} {which}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command History(CliServices services)
    {
        var keypair = KeypairOption("Keypair file whose wallet to show (default ~/.config/fabric/id.json)");
        var address = new Option<string>("--address", "-a") { Description = "Show this address instead of the keypair's" };
        var (skip, take) = Paging.Options();
        var command = new Command("history", "List the ledger events that touched a wallet, newest first") { keypair, address, skip, take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var wallet = parse.GetValue(address) is { } text ? ParseAddress(text, "wallet") : LoadKeypair(parse, keypair).Address;
            var request = Paging.Request(parse, skip, take);
            var page = await client.GetHistoryAsync(wallet, request, ct);
            output.Result(new PageView<LedgerEvent>(page.Items, page.Total, request.Skip), console =>
            {
                var table = new Table().AddColumns("#", "Time (UTC)", "Kind", "Change", "Memo");
                foreach (var e in page.Items)
                {
                    var change = e.Postings.Where(p => p.Owner == wallet.ToString() && p.Account.StartsWith("wallet:", StringComparison.Ordinal)).Sum(p => p.Delta);
                    table.AddRow(e.Sequence.ToString(CultureInfo.InvariantCulture), e.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                        e.Kind, $"{(change > 0 ? "+" : "")}{Amount(e.Token, change)} {e.Token}", Markup.Escape(e.Memo));
                }

                console.Write(table);
                console.WriteLine(Paging.Footer(request, page.Items.Count, page.Total, "event"));
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    internal static string Amount(Token token, long baseUnits) =>
        token.FromBaseUnits(baseUnits).ToString("#,0.########", CultureInfo.InvariantCulture);
}
