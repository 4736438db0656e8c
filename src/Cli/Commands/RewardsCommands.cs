using System.CommandLine;
using System.Globalization;
using Fabric.Money;
using Fabric.Rewards;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary>fabric rewards status|history, and fabric device earnings.</summary>
public static class RewardsCommands
{
    public static Command Create(CliServices services)
    {
        var rewards = new Command("rewards", "Hourly rewards: what each hour issued and minted, and what a wallet earned");
        rewards.Subcommands.Add(Status(services));
        rewards.Subcommands.Add(History(services));
        return rewards;
    }

    /// <summary>fabric device earnings ID: a device's rewards.</summary>
    public static Command DeviceEarnings(CliServices services)
    {
        var id = new Argument<string>("device-id") { Description = "The device (gpu-…)" };
        var take = new Option<int>("--take") { Description = "Latest epochs to list (0 to 1000)", DefaultValueFactory = _ => 24 };
        var command = new Command("earnings", "A device's rewards: total, and IO per hour for its latest hours") { id, take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var earnings = await client.GetDeviceEarningsAsync(parse.GetRequiredValue(id), parse.GetValue(take), ct);
            output.Result(earnings, console =>
            {
                console.MarkupLine(earnings.Epochs == 0
                    ? $"{Markup.Escape(earnings.DeviceId)} has earned no rewards yet."
                    : $"{Markup.Escape(earnings.DeviceId)} (owner {Markup.Escape(earnings.Owner)}): {Io(earnings.Total)} IO over {earnings.Epochs} hour(s).");
                if (earnings.Recent.Count > 0)
                {
                    var table = new Table().AddColumns("Epoch", "Hour (UTC)", "Uptime", "Weighted", "Bonus", "IO");
                    foreach (var e in earnings.Recent)
                    {
                        // Weighted seconds are seconds × tier weight in basis points of one: shown as seconds at weight 1.
                        table.AddRow(N(e.Epoch), Hour(e.HourStart), $"{e.Seconds / 60} min", N(e.WeightedSeconds / 10_000),
                            $"{e.BonusBps / 100.0:0.##}%", Io(e.Amount));
                    }

                    console.Write(table);
                }
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Status(CliServices services)
    {
        var command = new Command("status", "The emission schedule, the next hour to distribute, and IO minted as rewards so far");
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var s = await client.GetRewardStatusAsync(ct);
            output.Result(s, console =>
            {
                var grid = new Grid().AddColumns(2);
                grid.AddRow("Schedule", $"{Markup.Escape(s.Preset)} from {Hour(s.ScheduleStart)}, budget {Io(s.Budget)} IO");
                grid.AddRow("First epoch", s.FirstEpoch is { } first ? N(first) : "(not run yet)");
                grid.AddRow("Next epoch", s.NextEpoch is { } next ? N(next) : "(not run yet)");
                grid.AddRow("Issuance this hour", $"{Io(s.IssuanceThisHour)} IO (next hour {Io(s.IssuanceNextHour)} IO)");
                grid.AddRow("Minted as rewards", $"{Io(s.Minted)} IO");
                grid.AddRow("Issued, not minted", $"{Io(s.Undistributed)} IO (CPU pool, hours no device earned)");
                console.Write(grid);
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command History(CliServices services)
    {
        var wallet = new Option<string>("--wallet", "-w") { Description = "List what this wallet was minted, per hour" };
        var keypair = WalletLedgerCommands.KeypairOption("List what this keypair's wallet was minted, per hour");
        var (skip, take) = Paging.Options();
        var command = new Command("history",
            "Per hour, newest first: a wallet's rewards with --wallet or --keypair, else the network's (issued, minted, not minted)")
        { wallet, keypair, skip, take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var request = Paging.Request(parse, skip, take);
            var address = parse.GetValue(wallet) is { } text
                ? WalletLedgerCommands.ParseAddress(text, "wallet")
                : parse.GetValue(keypair) is not null ? WalletLedgerCommands.LoadKeypair(parse, keypair).Address : (Wallet.WalletAddress?)null;
            if (address is { } owner)
            {
                var page = await client.GetRewardPayoutsAsync(owner, request, ct);
                output.Result(new PageView<RewardPayout>(page.Items, page.Total, request.Skip), console =>
                {
                    console.WriteLine(owner.ToString());
                    var table = new Table().AddColumns("Epoch", "Hour (UTC)", "Devices", "IO", "Ledger operation");
                    foreach (var p in page.Items)
                    {
                        table.AddRow(N(p.Epoch), Hour(p.HourStart), N(p.Devices), Io(p.Amount), Markup.Escape(p.OperationId));
                    }

                    console.Write(table);
                    console.WriteLine(Paging.Footer(request, page.Items.Count, page.Total, "reward"));
                });
            }
            else
            {
                var page = await client.GetRewardEpochsAsync(request, ct);
                output.Result(new PageView<RewardEpoch>(page.Items, page.Total, request.Skip), console =>
                {
                    var table = new Table().AddColumns("Epoch", "Hour (UTC)", "Issued IO", "Minted IO", "Not minted IO", "Devices", "Wallets", "Status");
                    foreach (var e in page.Items)
                    {
                        table.AddRow(N(e.Epoch), Hour(e.HourStart), Io(e.Issuance), Io(e.Distributed), Io(e.Undistributed), N(e.Devices),
                            N(e.Owners), e.Status + (e.Complete ? "" : " (partial uptime)"));
                    }

                    console.Write(table);
                    console.WriteLine(Paging.Footer(request, page.Items.Count, page.Total, "epoch"));
                });
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static string Io(long units) => WalletLedgerCommands.Amount(Token.IO, units);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Hour(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
