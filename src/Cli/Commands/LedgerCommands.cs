using System.CommandLine;
using System.Globalization;
using Fabric.Ledger;
using Fabric.Money;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary>fabric ledger verify|tail|mint and fabric treasury deposit.</summary>
public static class LedgerCommands
{
    public static Command Create(CliServices services)
    {
        var command = new Command("ledger", "Audit the ledger, or mint as the network authority");
        command.Subcommands.Add(Verify(services));
        command.Subcommands.Add(Tail(services));
        command.Subcommands.Add(Mint(services));
        return command;
    }

    public static Command Treasury(CliServices services)
    {
        var command = new Command("treasury", "Treasury operations (signed by the treasury key)");
        var to = new Option<string>("--to") { Description = "Wallet credited with the IOSD", Required = true };
        var amount = new Option<decimal>("--amount") { Description = "USD received = IOSD minted", Required = true };
        var reference = new Option<string>("--reference") { Description = "The deposit's external reference", Required = true };
        var keypair = WalletLedgerCommands.KeypairOption("Treasury keypair file");
        var requestId = WalletLedgerCommands.RequestIdOption();
        var deposit = new Command("deposit", "Mint IOSD 1:1 against a USD deposit") { to, amount, reference, keypair, requestId };
        deposit.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var signer = WalletLedgerCommands.LoadKeypair(parse, keypair);
            var recipient = WalletLedgerCommands.ParseAddress(parse.GetRequiredValue(to), "recipient");
            var units = WalletLedgerCommands.ParseAmount(parse.GetValue(amount), Token.IOSD);
            var id = parse.GetValue(requestId) ?? Guid.NewGuid();
            var receipt = await WalletLedgerCommands.SendAsync(id, i => client.DepositAsync(signer, recipient, units, parse.GetRequiredValue(reference), i, ct));
            WalletLedgerCommands.Receipt(output, receipt, id, $"Deposited {Token.IOSD.FromBaseUnits(units)} IOSD to {recipient}");
            return ExitCodes.Ok;
        }, ct));
        command.Subcommands.Add(deposit);
        return command;
    }

    private static Command Verify(CliServices services)
    {
        var command = new Command("verify", "Recompute the hash chain, every balance and the conservation law (exit 1 if broken)");
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var result = await client.VerifyLedgerAsync(ct);
            output.Result(new { ok = result.Ok, result.Events, result.HeadHash, result.Supply, result.FeeRevenue, result.Usage, result.Problems }, console =>
            {
                console.MarkupLine(result.Ok
                    ? $"[green]Ledger OK[/]: {result.Events} events, head {result.HeadHash[..16]}…"
                    : $"[red]Ledger BROKEN[/]: {result.Problems.Count} problem(s) in {result.Events} events");
                var table = new Table().AddColumns("Token", "Minted", "Burned", "Balances", "Held", "Balances + held = minted − burned");
                foreach (var s in result.Supply)
                {
                    table.AddRow(s.Token.ToString(), Amount(s.Token, s.Minted), Amount(s.Token, s.Burned), Amount(s.Token, s.Balances),
                        Amount(s.Token, s.Held), s.Balances + s.Held == s.Minted - s.Burned ? "[green]yes[/]" : "[red]NO[/]");
                }

                console.Write(table);
                if (result.FeeRevenue.Count > 0 || result.Usage.Count > 0)
                {
                    // What `network stats` reports, recomputed from the events and reconciled with the postings.
                    console.MarkupLine($"Fee revenue (captures' recorded fees = treasury inflow): {string.Join(", ", result.FeeRevenue.Select(f => $"{Amount(f.Token, f.Amount)} {f.Token}"))}");
                    console.MarkupLine($"GPU-time paid (settlements' usage = their captures' gross): {string.Join(", ", result.Usage.Select(u => $"{Markup.Escape(u.Model)} {u.GpuHours:0.##} h"))}");
                }

                foreach (var problem in result.Problems)
                {
                    console.MarkupLine($"[red]-[/] {Markup.Escape(problem)}");
                }
            });
            return result.Ok ? ExitCodes.Ok : ExitCodes.Rejected;
        }, ct));
        return command;
    }

    private static Command Tail(CliServices services)
    {
        var take = new Option<int>("--take", "-n") { Description = "Events to show", DefaultValueFactory = _ => 20 };
        var command = new Command("tail", "Show the most recent ledger events") { take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var events = await client.TailLedgerAsync(parse.GetValue(take), ct);
            output.Result(events, console =>
            {
                var table = new Table().AddColumns("#", "Time (UTC)", "Kind", "Token", "Postings", "Memo");
                foreach (var e in events)
                {
                    table.AddRow(e.Sequence.ToString(CultureInfo.InvariantCulture), e.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                        e.Kind, e.Token.ToString(),
                        Markup.Escape(string.Join(Environment.NewLine, e.Postings.Select(p => $"{(p.Delta > 0 ? "+" : "")}{Amount(e.Token, p.Delta)} {Short(p.Account)}"))),
                        Markup.Escape(e.Memo));
                }

                console.Write(table);
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Mint(CliServices services)
    {
        var to = new Option<string>("--to") { Description = "Wallet credited", Required = true };
        var amount = new Option<decimal>("--amount") { Description = "Amount in whole tokens", Required = true };
        var token = new Option<string>("--token") { Description = "IO or IOSD", Required = true };
        var memo = new Option<string>("--memo") { Description = "Why", DefaultValueFactory = _ => "" };
        var keypair = WalletLedgerCommands.KeypairOption("Network authority keypair file");
        var requestId = WalletLedgerCommands.RequestIdOption();
        var command = new Command("mint", "Create tokens (network authority only)") { to, amount, token, memo, keypair, requestId };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var signer = WalletLedgerCommands.LoadKeypair(parse, keypair);
            var recipient = WalletLedgerCommands.ParseAddress(parse.GetRequiredValue(to), "recipient");
            var which = WalletLedgerCommands.ParseToken(parse.GetValue(token));
            var units = WalletLedgerCommands.ParseAmount(parse.GetValue(amount), which);
            var id = parse.GetValue(requestId) ?? Guid.NewGuid();
            var receipt = await WalletLedgerCommands.SendAsync(id, i => client.MintAsync(signer, recipient, which, units, parse.GetValue(memo) ?? "", i, ct));
            WalletLedgerCommands.Receipt(output, receipt, id, $"Minted {which.FromBaseUnits(units)} {which} to {recipient}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static string Amount(Token token, long units) => WalletLedgerCommands.Amount(token, units);

    private static string Short(string account) => account.Length > 24 ? $"{account[..20]}…" : account;
}
