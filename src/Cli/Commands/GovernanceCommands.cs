using System.CommandLine;
using System.Globalization;
using Fabric.Governance;
using Fabric.Money;
using Fabric.Network;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary>fabric gov propose|vote|execute|list|show, fabric params and fabric network stats.</summary>
public static class GovernanceCommands
{
    public static Command Create(CliServices services)
    {
        var command = new Command("gov", "Propose and vote on changes to the network's parameters (weighted by IO held)");
        command.Subcommands.Add(Propose(services));
        command.Subcommands.Add(Vote(services));
        command.Subcommands.Add(Execute(services));
        command.Subcommands.Add(List(services));
        command.Subcommands.Add(Show(services));
        return command;
    }

    public static Command Parameters(CliServices services)
    {
        var command = new Command("params", "The network's current parameters: value, default, bounds, and the ledger event that set it");
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var parameters = await client.GetParametersAsync(ct);
            output.Result(parameters, console =>
            {
                var table = new Table().AddColumns("Parameter", "Value", "Default", "Bounds", "Set by", "Meaning");
                foreach (var p in parameters.Values)
                {
                    table.AddRow(p.Name, Number(p.Value), Number(p.Default), $"{Number(p.Min)} to {Number(p.Max)}",
                        p.ChangedAt == 0 ? "default" : $"ledger #{p.ChangedAt}", Markup.Escape(p.Description));
                }

                console.Write(table);
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    public static Command Network(CliServices services)
    {
        var stats = new Command("stats", "Supply, issuance, fees, devices and GPU-time sold; every figure from the ledger");
        stats.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var s = await client.GetNetworkStatsAsync(ct);
            output.Result(s, console => ShowStats(console, s));
            return ExitCodes.Ok;
        }, ct));
        var command = new Command("network", "The network as a whole");
        command.Subcommands.Add(stats);
        return command;
    }

    private static Command Propose(CliServices services)
    {
        var name = new Option<string>("--param") { Description = "Parameter name (see `fabric params`)", Required = true };
        var value = new Option<long>("--value") { Description = "New value, in the parameter's unit (bps, whole IO)", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why, in one line", DefaultValueFactory = _ => "" };
        var keypair = WalletLedgerCommands.KeypairOption("Proposer's keypair file (must hold the proposal threshold of IO)");
        var command = new Command("propose", "Propose a new value for a parameter") { name, value, reason, keypair };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var proposer = WalletLedgerCommands.LoadKeypair(parse, keypair);
            var proposal = await client.ProposeAsync(proposer, parse.GetRequiredValue(name), parse.GetValue(value), parse.GetValue(reason) ?? "", ct);
            output.Result(proposal, console => ShowProposal(console, proposal, []));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Vote(CliServices services)
    {
        var id = new Argument<long>("id") { Description = "Proposal id" };
        var yes = new Option<bool>("--yes") { Description = "Vote for the change" };
        var no = new Option<bool>("--no") { Description = "Vote against the change" };
        var keypair = WalletLedgerCommands.KeypairOption("Voter's keypair file (weight: its IO at the proposal's snapshot)");
        var command = new Command("vote", "Vote yes or no on a proposal (once per wallet)") { id, yes, no, keypair };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            if (parse.GetValue(yes) == parse.GetValue(no))
            {
                throw new ArgumentException("Give exactly one of --yes or --no.");
            }

            var voter = WalletLedgerCommands.LoadKeypair(parse, keypair);
            var proposal = await client.VoteAsync(voter, parse.GetValue(id), parse.GetValue(yes), ct);
            output.Result(proposal, console => ShowProposal(console, proposal, []));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Execute(CliServices services)
    {
        var id = new Argument<long>("id") { Description = "Proposal id" };
        var keypair = WalletLedgerCommands.KeypairOption("Any wallet's keypair file");
        var command = new Command("execute", "Execute a passed proposal whose delay ran out (the network also does it within a minute)") { id, keypair };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var proposal = await client.ExecuteProposalAsync(WalletLedgerCommands.LoadKeypair(parse, keypair), parse.GetValue(id), ct);
            output.Result(proposal, console => ShowProposal(console, proposal, []));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command List(CliServices services)
    {
        var (skip, take) = Paging.Options();
        var command = new Command("list", "Proposals, newest first") { skip, take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var request = Paging.Request(parse, skip, take);
            var page = await client.ListProposalsAsync(request, ct);
            output.Result(page, console =>
            {
                var table = new Table().AddColumns("#", "Parameter", "Change", "Status", "Yes IO", "No IO", "Voting ends (UTC)");
                foreach (var p in page.Items)
                {
                    table.AddRow(p.Id.ToString(CultureInfo.InvariantCulture), p.Parameter, $"{Number(p.ValueBefore)} → {Number(p.Value)}",
                        p.Status.ToString(), Io(p.YesWeight), Io(p.NoWeight), Time(p.VotingEndsAt));
                }

                console.Write(table);
                console.MarkupLine(Paging.Footer(request, page.Items.Count, page.Total, "proposal"));
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Show(CliServices services)
    {
        var id = new Argument<long>("id") { Description = "Proposal id" };
        var command = new Command("show", "One proposal: its change, tally, quorum, timeline and votes") { id };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var view = await client.GetProposalAsync(parse.GetValue(id), ct)
                ?? throw new FabricRejectedException($"No proposal has id {parse.GetValue(id)}.");
            output.Result(view, console => ShowProposal(console, view.Proposal, view.Votes));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static void ShowProposal(IAnsiConsole console, ProposalDetails p, IReadOnlyList<ProposalVote> votes)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("Proposal", $"#{p.Id} by {p.Proposer}");
        grid.AddRow("Change", $"{p.Parameter}: {Number(p.ValueBefore)} → {Number(p.Value)}");
        grid.AddRow("Reason", Markup.Escape(p.Reason.Length == 0 ? "-" : p.Reason));
        grid.AddRow("Status", $"{p.Status}: {Markup.Escape(p.Outcome)}");
        grid.AddRow("Tally", $"yes {Io(p.YesWeight)} IO, no {Io(p.NoWeight)} IO, {p.Voters} voter(s)");
        grid.AddRow("Quorum", $"{Io(p.QuorumWeight)} IO of {Io(p.CirculatingAtSnapshot)} IO at ledger #{p.SnapshotSequence}");
        grid.AddRow("Timeline", $"created {Time(p.CreatedAt)}, voting ends {Time(p.VotingEndsAt)}, executable from {Time(p.ExecutableAt)}");
        if (p.ExecutedSequence is { } sequence)
        {
            grid.AddRow("Executed", $"ledger event #{sequence} at {Time(p.ExecutedAt!.Value)}");
        }

        console.Write(grid);
        if (votes.Count > 0)
        {
            var table = new Table().AddColumns("Voter", "Vote", "Weight (IO)", "At (UTC)");
            foreach (var v in votes)
            {
                table.AddRow(v.Voter, v.Yes ? "[green]yes[/]" : "[red]no[/]", Io(v.Weight), Time(v.At));
            }

            console.Write(table);
        }
    }

    private static void ShowStats(IAnsiConsole console, NetworkStats s)
    {
        var supply = new Table().AddColumns("Token", "Minted", "Burned", "Circulating", "Held", "Staked", "Fee revenue");
        foreach (var t in s.Tokens)
        {
            supply.AddRow(t.Token.ToString(), Amount(t.Token, t.Minted), Amount(t.Token, t.Burned), Amount(t.Token, t.Circulating),
                Amount(t.Token, t.Held), Amount(t.Token, t.Staked), Amount(t.Token, t.FeeRevenue));
        }

        console.Write(supply);
        console.MarkupLine($"Issuance ({s.EmissionPreset}): this hour {Io(s.IssuanceThisHour)} IO, next hour {Io(s.IssuanceNextHour)} IO; scheduled to date {Io(s.IssuedToDate)} IO");
        console.MarkupLine($"Devices: {s.DevicesVerified} verified, {s.DevicesOnline} online, {s.DevicesTotal} registered");
        var usage = new Table().AddColumns("Model", "Paid in", "GPU-hours", "Avg price (IOSD/GPU-h)", "Paid");
        foreach (var u in s.Usage)
        {
            var average = u.GpuSeconds == 0 ? 0m : Token.IOSD.FromBaseUnits(u.ChargedIosd) * 3600m / u.GpuSeconds;
            usage.AddRow(Markup.Escape(u.Model), u.Token.ToString(), u.GpuHours.ToString("0.##", CultureInfo.InvariantCulture),
                average.ToString("0.####", CultureInfo.InvariantCulture), Amount(u.Token, u.Paid));
        }

        console.Write(usage);
        console.MarkupLine($"[grey]As of ledger event #{s.LedgerSequence}; `fabric ledger verify` reconciles these figures with the events.[/]");
    }

    private static string Io(long baseUnits) => WalletLedgerCommands.Amount(Token.IO, baseUnits);

    private static string Amount(Token token, long baseUnits) => WalletLedgerCommands.Amount(token, baseUnits);

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
