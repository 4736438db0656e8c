using System.CommandLine;
using Fabric.Cli.Commands;

namespace Fabric.Cli;

/// <summary>The fabric command tree.</summary>
public static class FabricCli
{
    private const string About = """
        fabric: rent and supply GPUs on a Fabric network.

        By default fabric finds the cluster through ./.fabric/fabric.db (the folder a local silo uses), else at the
        gateway 127.0.0.1:30000. Point it elsewhere with --gateway HOST:PORT, --data-dir DIR, or
        --storage postgres --connection "Host=...".

        Exit codes: 0 ok, 1 request rejected, 2 cannot reach Fabric, 64 bad command line, 130 interrupted (Ctrl+C),
        143 terminated (SIGTERM). A command that waits says, when interrupted, what keeps going without it.
        """;

    public static RootCommand Build(Interruption? interruption = null)
    {
        var services = new CliServices(interruption);
        var root = new RootCommand(About);
        foreach (var option in services.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(StatusCommand.Create(services));
        var device = DeviceCommands.Create(services);
        device.Subcommands.Add(RewardsCommands.DeviceEarnings(services));
        root.Subcommands.Add(device);
        root.Subcommands.Add(DeviceCommands.Pool(services));
        root.Subcommands.Add(ClusterCommands.Create(services));
        root.Subcommands.Add(JobCommands.Create(services));
        root.Subcommands.Add(ClusterCommands.Queue(services));

        var wallet = new Command("wallet", "Create and recover keypairs, see balances, send and receive tokens");
        WalletKeyCommands.AddTo(wallet, services);
        WalletLedgerCommands.AddTo(wallet, services);
        root.Subcommands.Add(wallet);
        root.Subcommands.Add(LedgerCommands.Create(services));
        root.Subcommands.Add(LedgerCommands.Treasury(services));
        root.Subcommands.Add(StakeCommands.Create(services));
        root.Subcommands.Add(PriceCommands.Create(services));
        root.Subcommands.Add(GovernanceCommands.Create(services));
        root.Subcommands.Add(GovernanceCommands.Parameters(services));
        root.Subcommands.Add(GovernanceCommands.Network(services));
        root.Subcommands.Add(RewardsCommands.Create(services));
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        // Signals are handled here rather than by System.CommandLine, so the exit code says the command was cut short
        // whether it wound down in time or not.
        using var interruption = new Interruption();
        var parse = Build(interruption).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"fabric: {error.Message}");
            }

            await Console.Error.WriteLineAsync("Run 'fabric --help' (or 'fabric COMMAND --help') for usage.");
            return ExitCodes.Usage;
        }

        var invocation = parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interruption.Token);
        await Task.WhenAny(invocation, interruption.OverdueAsync(TimeSpan.FromSeconds(5)));
        return interruption.ExitCode ?? await invocation;
    }
}
