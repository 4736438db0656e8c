using System.Globalization;
using System.Reflection;

namespace Fabric.Samples.LedgerBenchmark;

/// <summary>The command line: sizes of each phase, where the silo is, and the output format.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        Measures durable ledger transfers per second on a silo it starts itself, and raw SQLite inserts per second
        on the same disk with Fabric's connection settings.

        usage: dotnet run -c Release --project samples/LedgerBenchmark [-- options]
          --transfers N     measured transfers (default 3000)
          --warmup N        at least N transfers (and N raw inserts) before measuring; transfers continue in
                            rounds of 2000 until the rate stops improving (default 4000; 0 = none)
          --concurrency N   transfers in flight from one client (default 32)
          --wallets N       funded wallets transfers move between (default 16)
          --raw-inserts N   measured raw SQLite inserts (default: as many as --transfers)
          --silo-dll PATH   the built Fabric.Silo.dll (default: src/Silo/bin/<this configuration>/net10.0)
          --json            print the results as JSON
        """;

    /// <summary>Signed requests stay valid five minutes; pre-signing more than this risks expiry on slow disks.</summary>
    private const int MaxTransfers = 50_000;

    public int Transfers { get; private init; } = 3000;
    public int Warmup { get; private init; } = 4000;
    public int Concurrency { get; private init; } = 32;
    public int Wallets { get; private init; } = 16;
    public int RawInserts { get; private init; }
    public string SiloDll { get; private init; } = DefaultSiloDll();
    public bool Json { get; private init; }

    /// <summary>The options, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static BenchmarkOptions? Parse(string[] args, out string? error)
    {
        error = null;
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{name} needs a value.");
            int Count(int min, int max) =>
                int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                    ? n
                    : throw new FormatException($"{name} takes a whole number from {min} to {max}.");
            try
            {
                options = name switch
                {
                    "--transfers" => options with { Transfers = Count(1, MaxTransfers) },
                    "--warmup" => options with { Warmup = Count(0, MaxTransfers) },
                    "--concurrency" => options with { Concurrency = Count(1, 1024) },
                    "--wallets" => options with { Wallets = Count(2, 10_000) },
                    "--raw-inserts" => options with { RawInserts = Count(1, 1_000_000) },
                    "--silo-dll" => options with { SiloDll = Path.GetFullPath(Value()) },
                    "--json" => options with { Json = true },
                    _ => throw new FormatException($"Unknown option '{name}'."),
                };
            }
            catch (FormatException e)
            {
                error = e.Message;
                return null;
            }
        }

        return options.RawInserts == 0 ? options with { RawInserts = options.Transfers } : options;
    }

    private static string DefaultSiloDll()
    {
        string Metadata(string key) =>
            typeof(BenchmarkOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        return Path.Combine(Metadata("RepositoryRoot"), "src", "Silo", "bin", Metadata("BuildConfiguration"), "net10.0", "Fabric.Silo.dll");
    }
}
