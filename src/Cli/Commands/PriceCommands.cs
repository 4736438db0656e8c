using System.CommandLine;
using System.Globalization;
using Fabric.Money;
using Spectre.Console;
using static Fabric.Cli.Commands.WalletLedgerCommands;

namespace Fabric.Cli.Commands;

/// <summary>fabric price set|history|buybacks: the oracle's IO/USD price and the hourly buy-back burns it drives.</summary>
public static class PriceCommands
{
    public static Command Create(CliServices services)
    {
        var price = new Command("price", "The IO/USD price the oracle feeds, and the hourly buy-back burns");
        price.Subcommands.Add(Set(services));
        price.Subcommands.Add(History(services));
        price.Subcommands.Add(Buybacks(services));
        return price;
    }

    private static Command Set(CliServices services)
    {
        var usd = new Option<decimal>("--usd") { Description = "USD per IO, at most 6 decimals, e.g. 2.45", Required = true };
        var observedAt = new Option<DateTimeOffset?>("--observed-at") { Description = "When the price was observed (default now)" };
        var keypair = KeypairOption("The oracle's keypair file (on a local silo: .fabric/keys/oracle.json)");
        var requestId = RequestIdOption();
        var command = new Command("set", "Submit the IO/USD price (signed by the oracle key)") { usd, observedAt, keypair, requestId };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            // Micro-USD per IO: the same 6 decimals as IOSD's base unit.
            var micro = ParseAmount(parse.GetValue(usd), Token.IOSD);
            var point = await client.SetPriceAsync(LoadKeypair(parse, keypair), micro, parse.GetValue(observedAt) ?? DateTimeOffset.UtcNow,
                parse.GetValue(requestId) ?? Guid.NewGuid(), ct);
            output.Result(point, console => console.MarkupLine(Markup.Escape(
                $"IO price set to {Usd(point.MicroUsdPerIo)} USD (observed {point.ObservedAt:u}).")));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command History(CliServices services)
    {
        var take = new Option<int>("--take", "-n") { Description = "Prices to show", DefaultValueFactory = _ => 20 };
        var command = new Command("history", "Show the newest accepted prices") { take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var prices = await client.GetPriceHistoryAsync(parse.GetValue(take), ct);
            output.Result(prices, console =>
            {
                var table = new Table().AddColumns("Observed (UTC)", "USD per IO", "Accepted (UTC)");
                foreach (var p in prices)
                {
                    table.AddRow(Time(p.ObservedAt), Usd(p.MicroUsdPerIo), Time(p.AcceptedAt));
                }

                console.Write(table);
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Buybacks(CliServices services)
    {
        var take = new Option<int>("--take", "-n") { Description = "Hours to show", DefaultValueFactory = _ => 24 };
        var command = new Command("buybacks", "Show the newest hourly buy-back burns") { take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var hours = await client.GetBuybacksAsync(parse.GetValue(take), ct);
            output.Result(hours, console =>
            {
                var table = new Table().AddColumns("Hour (UTC)", "Fee revenue IOSD", "Share", "USD per IO", "Spent IOSD", "Burned IO", "Note");
                foreach (var h in hours)
                {
                    table.AddRow(Time(h.Hour), Amount(Token.IOSD, h.RevenueIosd), $"{h.ShareBps / 100m:0.##}%", Usd(h.MicroUsdPerIo),
                        Amount(Token.IOSD, h.SpentIosd), Amount(Token.IO, h.BurnedIo), Markup.Escape(h.Note));
                }

                console.Write(table);
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static string Usd(long micro) => Token.IOSD.FromBaseUnits(micro).ToString("0.######", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
