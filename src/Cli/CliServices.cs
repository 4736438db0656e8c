using System.CommandLine;
using Fabric.Client;
using Fabric.Storage;
using Microsoft.Extensions.Logging;

namespace Fabric.Cli;

/// <summary>Options every command shares, and how they become a <see cref="FabricClient"/>.</summary>
public sealed class CliServices(Interruption? interruption = null)
{
    /// <summary>The exit code of a command cut short by Ctrl+C (130) or SIGTERM (143).</summary>
    public int InterruptedExitCode => interruption?.ExitCode ?? ExitCodes.Interrupted;

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Print the result as JSON (errors go to stderr as {\"error\": ...})",
        Recursive = true,
    };

    public Option<string[]> Gateway { get; } = new("--gateway", "-g")
    {
        Description = "Connect to this gateway HOST:PORT (repeatable; env FABRIC__GATEWAY, comma-separated)",
        Recursive = true,
        HelpName = "host:port",
    };

    public Option<string> DataDir { get; } = new("--data-dir")
    {
        Description = "Find gateways in the SQLite database of this data folder (default ./.fabric; env FABRIC__DATADIR)",
        Recursive = true,
        HelpName = "dir",
    };

    public Option<string> Storage { get; } = new("--storage")
    {
        Description = "Where the silos keep their cluster: sqlite or postgres (env FABRIC__STORAGE__KIND)",
        Recursive = true,
        HelpName = "kind",
    };

    public Option<string> Connection { get; } = new("--connection")
    {
        Description = "PostgreSQL connection string, with --storage postgres (env FABRIC__STORAGE__CONNECTIONSTRING)",
        Recursive = true,
        HelpName = "string",
    };

    public Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Show connection attempts and other diagnostics on stderr",
        Recursive = true,
    };

    /// <summary>Default gateway when neither a gateway nor a database is found.</summary>
    public const string DefaultGateway = "127.0.0.1:30000";

    public IEnumerable<Option> All => [Json, Gateway, DataDir, Storage, Connection, Verbose];

    /// <summary>
    /// Decides where to look for Fabric: an explicit gateway wins, then PostgreSQL, then the SQLite database of the
    /// data folder when it exists, then the default local gateway.
    /// </summary>
    public FabricClientOptions ClientOptions(ParseResult parse)
    {
        var gateways = parse.GetValue(Gateway) is { Length: > 0 } given
            ? given
            : Environment.GetEnvironmentVariable("FABRIC__GATEWAY")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        var kind = parse.GetValue(Storage) ?? Environment.GetEnvironmentVariable("FABRIC__STORAGE__KIND") ?? "sqlite";
        var connection = parse.GetValue(Connection) ?? Environment.GetEnvironmentVariable("FABRIC__STORAGE__CONNECTIONSTRING");
        var dataDir = parse.GetValue(DataDir) ?? Environment.GetEnvironmentVariable("FABRIC__DATADIR") ?? ".fabric";

        var options = new FabricClientOptions
        {
            Gateways = [.. gateways],
            StorageKind = kind,
            ConnectionString = connection,
            DataDir = dataDir,
            ConnectOnStart = false,
        };

        if (options.Gateways.Count == 0 && FabricStorage.ParseKind(kind) == StorageKind.Sqlite
            && parse.GetValue(DataDir) is null && Environment.GetEnvironmentVariable("FABRIC__DATADIR") is null
            && !File.Exists(Path.Combine(dataDir, FabricStorage.SqliteFileName)))
        {
            options.Gateways.Add(DefaultGateway);
        }

        return options;
    }

    /// <summary>
    /// Runs a command body against a connected client, turning failures into the documented exit codes and one
    /// clear message.
    /// </summary>
    public async Task<int> RunAsync(ParseResult parse, Func<FabricClient, CliOutput, Task<int>> body, CancellationToken cancellationToken)
    {
        var output = Output(parse);
        var verbose = parse.GetValue(Verbose);
        using var loggerFactory = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Critical);
            b.AddFilter("Orleans", verbose ? LogLevel.Warning : LogLevel.None);
            b.AddSimpleConsole(o => o.SingleLine = true);
            b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });

        try
        {
            await using var client = new FabricClient(ClientOptions(parse), loggerFactory);
            return await body(client, output);
        }
        catch (FabricUnreachableException e)
        {
            output.Error("unreachable", e.Message, ExitCodes.Unreachable);
            return ExitCodes.Unreachable;
        }
        catch (Exception e) when (e is FabricRejectedException or Wallet.WalletException)
        {
            output.Error("rejected", e.Message, ExitCodes.Rejected);
            return ExitCodes.Rejected;
        }
        catch (Exception e) when (e is ArgumentException or FabricStorageException or FormatException or OverflowException)
        {
            output.Error("usage", e.Message, ExitCodes.Usage);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return InterruptedExitCode;
        }
        catch (Exception e) when (!verbose)
        {
            // A fault, not a refusal: one line here, the whole story with --verbose.
            output.Error("fault", $"{e.GetBaseException().Message} (run with --verbose for details)", ExitCodes.Rejected);
            return ExitCodes.Rejected;
        }
    }

    public CliOutput Output(ParseResult parse)
    {
        var console = Spectre.Console.AnsiConsole.Console;
        if (System.Console.IsOutputRedirected)
        {
            // Piped into a file or a pager: keep each row on one line instead of wrapping at a guessed 80 columns.
            console.Profile.Width = 240;
        }

        return new CliOutput(parse.GetValue(Json), console, System.Console.Out, System.Console.Error);
    }
}
