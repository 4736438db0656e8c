using System.CommandLine;
using System.Globalization;
using Fabric.Money;
using Fabric.Staking;
using Spectre.Console;
using static Fabric.Cli.Commands.WalletLedgerCommands;

namespace Fabric.Cli.Commands;

/// <summary>fabric stake add|unstake|withdraw|show: IO staked on a device, signed by its owner.</summary>
public static class StakeCommands
{
    public static Command Create(CliServices services)
    {
        var stake = new Command("stake", "Stake IO on your devices: add, unstake (starts the cooldown), withdraw after it, show");
        stake.Subcommands.Add(Add(services));
        stake.Subcommands.Add(Change(services, "unstake", "Start the cooldown of a device's whole stake (not while it is rented)",
            (client, signer, device, id, ct) => client.UnstakeAsync(signer, device, id, ct)));
        stake.Subcommands.Add(Change(services, "withdraw", "Return a stake whose cooldown has ended to your wallet",
            (client, signer, device, id, ct) => client.WithdrawStakeAsync(signer, device, id, ct)));
        stake.Subcommands.Add(Show(services));
        return stake;
    }

    private static Command Add(CliServices services)
    {
        var device = new Argument<string>("device") { Description = "Device id" };
        var amount = new Option<decimal>("--amount") { Description = "IO to stake, e.g. 250", Required = true };
        var keypair = KeypairOption("The device owner's keypair file (default ~/.config/fabric/id.json)");
        var requestId = RequestIdOption();
        var command = new Command("add", "Stake IO on a device you own: held in escrow in the ledger") { device, amount, keypair, requestId };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var signer = LoadKeypair(parse, keypair);
            var units = ParseAmount(parse.GetValue(amount), Token.IO);
            var stake = await client.StakeAsync(signer, parse.GetRequiredValue(device), units, parse.GetValue(requestId) ?? Guid.NewGuid(), ct);
            Print(output, stake, $"Staked {Token.IO.FromBaseUnits(units)} IO on {stake.DeviceId}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Change(
        CliServices services, string name, string description,
        Func<Client.FabricClient, Wallet.Keypair, string, Guid, CancellationToken, Task<StakeDetails>> send)
    {
        var device = new Argument<string>("device") { Description = "Device id" };
        var keypair = KeypairOption("The device owner's keypair file (default ~/.config/fabric/id.json)");
        var requestId = RequestIdOption();
        var command = new Command(name, description) { device, keypair, requestId };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var stake = await send(client, LoadKeypair(parse, keypair), parse.GetRequiredValue(device), parse.GetValue(requestId) ?? Guid.NewGuid(), ct);
            Print(output, stake, name == "unstake"
                ? $"Unstaked: {Token.IO.FromBaseUnits(stake.CoolingDown)} IO withdrawable at {stake.WithdrawableAt:u}"
                : $"Withdrawn: the stake on {stake.DeviceId} is back in your wallet");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Show(CliServices services)
    {
        var device = new Argument<string>("device") { Description = "Device id" };
        var command = new Command("show", "Show a device's stake: active, cooling down, slashed, and its minimum") { device };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            Print(output, await client.GetStakeAsync(parse.GetRequiredValue(device), ct), null);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static void Print(CliOutput output, StakeDetails stake, string? done) => output.Result(stake, console =>
    {
        if (done is not null)
        {
            console.MarkupLine(Markup.Escape(done) + ".");
        }

        var table = new Table().AddColumns("Device", "Owner", "Active IO", "Cooling down IO", "Withdrawable at", "Slashed IO", "Minimum IO");
        table.AddRow(Markup.Escape(stake.DeviceId), Markup.Escape(stake.Owner), Amount(Token.IO, stake.Active), Amount(Token.IO, stake.CoolingDown),
            stake.WithdrawableAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "",
            Amount(Token.IO, stake.Slashed), Amount(Token.IO, stake.Minimum) + (stake.MeetsMinimum ? " (met)" : " (not met)"));
        console.Write(table);
        foreach (var fault in stake.Faults)
        {
            console.MarkupLine(Markup.Escape(
                $"slashed {Amount(Token.IO, fault.Amount)} IO at {fault.Fault.At:u} for {fault.Fault.Kind} ({fault.Fault.FaultId}): {(fault.PaidTo.Length > 0 ? $"paid to {fault.PaidTo}" : "burned")}"));
        }
    });
}
