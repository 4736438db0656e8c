using System.Globalization;

namespace Fabric.Silo;

/// <summary>The silo's flags: each one is a configuration key, so flags, FABRIC__ variables and appsettings agree.</summary>
public static class SiloCommandLine
{
    /// <summary>Flag → configuration key.</summary>
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--data-dir"] = "Fabric:DataDir",
        ["--storage"] = "Fabric:Storage:Kind",
        ["--connection"] = "Fabric:Storage:ConnectionString",
        ["--silo-port"] = "Fabric:SiloPort",
        ["--gateway-port"] = "Fabric:GatewayPort",
        ["--http-port"] = "Fabric:HttpPort",
        ["--advertise"] = "Fabric:AdvertisedAddress",
        ["--cluster-id"] = "Fabric:ClusterId",
        ["--service-id"] = "Fabric:ServiceId",
    };

    /// <summary>Flags that take no value (on when given) → configuration key.</summary>
    public static readonly IReadOnlyDictionary<string, string> BooleanSwitches = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--demo"] = "Fabric:Demo",
    };

    private static readonly HashSet<string> PortFlags = ["--silo-port", "--gateway-port", "--http-port"];

    public const string Usage = """
        Usage: fabric-silo [options]

        Starts one Fabric silo. With no options it keeps its data in an SQLite file under ./.fabric/ and listens on
        127.0.0.1; start more silos on the same data folder (with other ports) and they form one cluster.

        Options:
          --data-dir DIR        Folder for the SQLite database (default ./.fabric; env FABRIC__DATADIR)
          --storage KIND        sqlite (default) or postgres (env FABRIC__STORAGE__KIND)
          --connection STRING   PostgreSQL connection string, e.g. "Host=db;Database=fabric;Username=fabric;Password=..."
                                (env FABRIC__STORAGE__CONNECTIONSTRING)
          --silo-port PORT      Silo-to-silo port (default 11111)
          --gateway-port PORT   Port clients connect to (default 30000)
          --http-port PORT      HTTP port for /healthz and /status (default 8480)
          --advertise IP        Address other silos and clients use to reach this one (default 127.0.0.1)
          --cluster-id ID       Cluster name; silos with the same id and storage join each other (default fabric)
          --service-id ID       Name of the stored state (default fabric)
          --demo                Also show Fabric at work, in this process: simulated GPUs (4 x RTX 4090, 2 x A100 80GB)
                                served by the real worker code, a renter funded with test IOSD, sample clusters and jobs
                                with their logs and settlement; keys under DATA/demo/. The silo keeps running after it.
          -h, --help            Show this help

        Exit codes: 0 stopped normally, 1 could not start (the message says why), 64 bad command line.
        """;

    /// <summary>What the command line asked for.</summary>
    public sealed record Parsed(bool Help, IReadOnlyList<string> ConfigurationArgs, string? Error);

    /// <summary>
    /// Checks the flags before anything starts: unknown flags, missing values and non-numeric ports are usage errors.
    /// Returns the arguments rewritten as configuration keys.
    /// </summary>
    public static Parsed Parse(IReadOnlyList<string> args)
    {
        var configuration = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help" or "-?")
            {
                return new Parsed(true, [], null);
            }

            var (flag, inlineValue) = Split(arg);
            if (BooleanSwitches.TryGetValue(flag, out var booleanKey))
            {
                if (inlineValue is not null && !bool.TryParse(inlineValue, out _))
                {
                    return new Parsed(false, [], $"{flag} takes no value (or true/false), not '{inlineValue}'.");
                }

                configuration.Add($"--{booleanKey}={inlineValue ?? "true"}");
                continue;
            }

            if (!Switches.TryGetValue(flag, out var key))
            {
                return new Parsed(false, [], $"Unknown option '{arg}'. Run with --help to see the options.");
            }

            var value = inlineValue;
            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return new Parsed(false, [], $"Option {flag} needs a value.");
                }

                value = args[++i];
            }

            if (PortFlags.Contains(flag) && !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return new Parsed(false, [], $"{flag} '{value}' is not a port number.");
            }

            configuration.Add($"--{key}={value}");
        }

        return new Parsed(false, configuration, null);
    }

    private static (string Flag, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }
}
