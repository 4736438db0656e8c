using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary>fabric status: the cluster's silos and what it holds.</summary>
public static class StatusCommand
{
    public static Command Create(CliServices services)
    {
        var all = new Option<bool>("--all") { Description = "Also list silos that have died or stopped" };
        var command = new Command("status", "Show the network: its silos and their status, its devices, and clusters waiting for GPUs") { all };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var status = await client.GetStatusAsync(parse.GetValue(all), ct);
            output.Result(status, console =>
            {
                var table = new Table().Title("Silos").AddColumns("Address", "Gateway", "Name", "Status", "Started (UTC)", "Last alive (UTC)");
                foreach (var silo in status.Silos)
                {
                    var colour = silo.Status == "Active" ? "green" : silo.Status == "Dead" ? "red" : "yellow";
                    table.AddRow(
                        Markup.Escape(silo.Address),
                        silo.GatewayPort.ToString(CultureInfo.InvariantCulture),
                        Markup.Escape(silo.Name),
                        $"[{colour}]{silo.Status}[/]",
                        silo.StartedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                        silo.LastAliveAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
                }

                console.Write(table);
                var byStatus = status.DevicesByStatus.Count == 0
                    ? ""
                    : " (" + string.Join(", ", status.DevicesByStatus.OrderBy(p => p.Key).Select(p => $"{p.Value} {p.Key}")) + ")";
                console.MarkupLine(CultureInfo.InvariantCulture,
                    "Network [bold]{0}[/]   Devices: [bold]{1}[/]{2}   Clusters waiting: [bold]{3}[/], placed: {4}   (via {5})",
                    Markup.Escape(status.NetworkId), status.Devices, byStatus, status.ClustersWaiting, status.ClustersPlaced,
                    Markup.Escape(client.Discovery.Description));
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
