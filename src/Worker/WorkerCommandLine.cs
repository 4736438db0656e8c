using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;

namespace Fabric.Worker;

/// <summary>fabric-worker's flags. Each becomes a key under <c>Fabric:Worker</c>, so flags, FABRIC__WORKER__ variables and appsettings agree.</summary>
public static class WorkerCommandLine
{
    private const string About = """
        fabric-worker: supply this machine's GPUs to a Fabric network.

        It finds the NVIDIA GPUs with nvidia-smi, registers each one under your wallet (the device id comes from your
        key and the GPU's UUID, so it is the same after every restart), keeps them online with heartbeats and answers
        the network's verification challenges. It only dials out to the gateway, so it works behind NAT, and when
        Fabric is unreachable it keeps retrying until it is back. Stop it with Ctrl+C; it also runs as a systemd or
        Windows service.

        Examples:
          fabric-worker --gateway fabric.example.net:30000 --keypair ~/.config/fabric/id.json --price 0.45 --region eu
          fabric-worker --gateway 127.0.0.1:30000 --keypair alice.json --simulate 3 --model "RTX 4090"   # no GPU needed

        Every flag can also be set as an environment variable: FABRIC__WORKER__KEYPAIR, FABRIC__WORKER__GATEWAYS__0,
        FABRIC__WORKER__SIMULATE, FABRIC__WORKER__MODEL, FABRIC__WORKER__PRICE, FABRIC__WORKER__REGION, ...

        Exit codes: 0 stopped, 1 bad setup (unreadable keypair, no or malformed nvidia-smi, refused registration),
        2 cannot reach Fabric (only with --once), 64 bad command line.
        """;

    /// <summary>What the command line asked for.</summary>
    /// <param name="ExitCode">Set when the process should exit now: 0 after --help or --version, 64 after a usage error.</param>
    /// <param name="Settings">Configuration keys and values the flags set.</param>
    public sealed record Result(int? ExitCode, IReadOnlyDictionary<string, string?> Settings);

    /// <summary>Parses <paramref name="args"/>; help and errors are written to <paramref name="output"/> and <paramref name="error"/>.</summary>
    public static Result Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var gateway = new Option<string[]>("--gateway", "-g")
        {
            Description = "Fabric gateway to connect to, HOST:PORT (repeatable; default: the --data-dir database, else 127.0.0.1:30000)",
            HelpName = "host:port",
            AllowMultipleArgumentsPerToken = false,
        };
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Find the gateways in the SQLite database of this Fabric data folder instead",
            HelpName = "dir",
        };
        var keypair = new Option<string>("--keypair", "-k")
        {
            Description = "Your wallet's keypair file (solana-keygen format; 'fabric wallet new --outfile FILE' makes one). Required",
            HelpName = "file",
        };
        var simulate = new Option<int?>("--simulate")
        {
            Description = $"Serve N simulated GPUs instead of real ones (1 to {WorkerOptionsValidator.MaxSimulated}; needs --model)",
            HelpName = "n",
        };
        simulate.Validators.Add(result =>
        {
            // Runs even when the value is not a number (the parser reports that itself): read the token, not the value.
            if (result.Tokens is [{ } token]
                && int.TryParse(token.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count)
                && count is < 1 or > WorkerOptionsValidator.MaxSimulated)
            {
                result.AddError($"--simulate must be 1 to {WorkerOptionsValidator.MaxSimulated}.");
            }
        });
        var model = new Option<string>("--model")
        {
            Description = "Model of the simulated GPUs, e.g. \"RTX 4090\", \"H100\", \"A100 80GB\"",
            HelpName = "name",
        };
        var vramMib = new Option<int?>("--vram-mib")
        {
            Description = "Memory of each simulated GPU in MiB (default: the model's)",
            HelpName = "mib",
        };
        var region = new Option<string>("--region")
        {
            Description = "Region your GPUs are listed in, e.g. eu or us-east (default for new devices: unknown)",
            HelpName = "region",
        };
        var price = new Option<decimal?>("--price")
        {
            Description = "Asking price in IOSD per GPU-hour, e.g. 0.45 (default for new devices: 0)",
            HelpName = "iosd_per_hour",
        };
        var workDir = new Option<string>("--work-dir")
        {
            Description = "Folder jobs run in, one subfolder per job (default: ~/.local/share/fabric-worker/work)",
            HelpName = "dir",
        };
        var advertise = new Option<string>("--advertise-address")
        {
            Description = "Address other ranks of a multi-GPU job reach this machine at (default: its first IPv4 address)",
            HelpName = "address",
        };
        var once = new Option<bool>("--once")
        {
            Description = "Register and connect every GPU, send one heartbeat each, then exit (exit code 2 if Fabric is unreachable)",
        };
        var verbose = new Option<bool>("--verbose", "-v")
        {
            Description = "Show Fabric's and Orleans' diagnostics too",
        };

        // A plain command named as the tool (a RootCommand would call itself "Fabric.Worker" when run with dotnet).
        var root = new Command("fabric-worker", About)
        {
            gateway, dataDir, keypair, simulate, model, vramMib, region, price, workDir, advertise, once, verbose, new HelpOption(), new VersionOption(),
        };
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var ran = false;
        root.SetAction(parse =>
        {
            ran = true;
            var key = WorkerOptions.Section + ":";
            var gateways = parse.GetValue(gateway) ?? [];
            for (var i = 0; i < gateways.Length; i++)
            {
                settings[$"{key}{nameof(WorkerOptions.Gateways)}:{i}"] = gateways[i];
            }

            Set(nameof(WorkerOptions.DataDir), parse.GetValue(dataDir));
            Set(nameof(WorkerOptions.Keypair), parse.GetValue(keypair));
            Set(nameof(WorkerOptions.Simulate), parse.GetValue(simulate)?.ToString(CultureInfo.InvariantCulture));
            Set(nameof(WorkerOptions.Model), parse.GetValue(model));
            Set(nameof(WorkerOptions.VramMib), parse.GetValue(vramMib)?.ToString(CultureInfo.InvariantCulture));
            Set(nameof(WorkerOptions.Region), parse.GetValue(region));
            Set(nameof(WorkerOptions.Price), parse.GetValue(price)?.ToString(CultureInfo.InvariantCulture));
            Set(nameof(WorkerOptions.WorkDir), parse.GetValue(workDir));
            Set(nameof(WorkerOptions.AdvertiseAddress), parse.GetValue(advertise));
            Set(nameof(WorkerOptions.Once), parse.GetValue(once) ? "true" : null);
            Set(nameof(WorkerOptions.Verbose), parse.GetValue(verbose) ? "true" : null);
            return 0;

            void Set(string name, string? value)
            {
                if (value is not null)
                {
                    settings[key + name] = value;
                }
            }
        });

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var problem in parsed.Errors)
            {
                error.WriteLine($"fabric-worker: {problem.Message}");
            }

            error.WriteLine("Run 'fabric-worker --help' for usage.");
            return new Result(WorkerExitCodes.Usage, settings);
        }

        var code = parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
        return ran ? new Result(null, settings) : new Result(code, settings);
    }
}
