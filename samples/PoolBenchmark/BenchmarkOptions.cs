using System.Globalization;

namespace Fabric.Samples.PoolBenchmark;

/// <summary>The command line: fleet size, concurrency and duration of each phase, storage, and the output format.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        Hosts one Fabric silo in this process, registers and connects simulated devices with signed requests, then
        measures memory, heartbeat ingest against the bare Orleans grain-call rate, and pool query latency.

        usage: dotnet run -c Release --project samples/PoolBenchmark [-- options]
          --devices N          simulated devices (default 100000)
          --owners N           wallets owning them (default devices / 100)
          --setup-concurrency N  registrations and connects in flight (default 256)
          --concurrency N      heartbeats (and pings) in flight (default 512)
          --warmup S           seconds of heartbeats (and of pings) before measuring, at least one pass over every
                               device (default 10)
          --duration S         measured seconds of heartbeats and of pings (default 20)
          --queries N          measured pool queries, one at a time (default 2000)
          --loaded-seconds S   seconds of pool queries while heartbeats arrive at the fleet's real rate (default 10;
                               0 = skip)
          --loaded-rate R      heartbeats per second meanwhile (default devices / the 5 s heartbeat interval)
          --yield              callers yield to the thread pool's global queue between calls: fair turns, so the
                               closed-loop latencies mean something, but on 2 cores the process then keeps only about
                               one core busy (without it a few callers run back to back from a worker's LIFO queue
                               while the rest wait: full CPU, but p50/p99 of the closed loop say little)
          --util-jitter N      heartbeat utilisation moves ±N points around each device's level (default 2)
          --storage KIND       grain storage "fabric" (default memory):
                                 memory   Orleans' in-memory provider: holds a serialized copy of every state in
                                          this process (registering 100,000 devices on SQLite takes over 4 minutes)
                                 sqlite   Fabric's ADO.NET schema on SQLite in a temp folder, as src/Silo runs
                                 discard  diagnostic: writes succeed and are forgotten (no copy in this process)
          --log-level LEVEL    silo log level (default Error: the run registers 100,000 devices)
          --settle S           heartbeats go on at the fleet's rate for S seconds after the idle device grains were
                               collected, before memory is measured (default 60)
          --hold S             after the post-heartbeat memory snapshot, wait S seconds (to attach dotnet-gcdump)
          --no-call-counts     do not count grain calls by method in the silo
          --json               print the results as JSON
        """;

    public int Devices { get; private init; } = 100_000;
    public int Owners { get; private init; }
    public int SetupConcurrency { get; private init; } = 256;
    public int Concurrency { get; private init; } = 512;
    public int WarmupSeconds { get; private init; } = 10;
    public int DurationSeconds { get; private init; } = 20;
    public int Queries { get; private init; } = 2000;
    public int LoadedSeconds { get; private init; } = 10;
    public int LoadedRate { get; private init; }
    public bool Yield { get; private init; }
    public int HoldSeconds { get; private init; }
    public int SettleSeconds { get; private init; } = 60;
    public int UtilJitter { get; private init; } = 2;
    public string Storage { get; private init; } = "memory";
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; private init; } = Microsoft.Extensions.Logging.LogLevel.Error;
    public bool CountCalls { get; private init; } = true;
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
                    "--devices" => options with { Devices = Count(1, 2_000_000) },
                    "--owners" => options with { Owners = Count(1, 2_000_000) },
                    "--setup-concurrency" => options with { SetupConcurrency = Count(1, 4096) },
                    "--concurrency" => options with { Concurrency = Count(1, 8192) },
                    "--warmup" => options with { WarmupSeconds = Count(0, 600) },
                    "--duration" => options with { DurationSeconds = Count(1, 600) },
                    "--queries" => options with { Queries = Count(1, 1_000_000) },
                    "--loaded-seconds" => options with { LoadedSeconds = Count(0, 600) },
                    "--loaded-rate" => options with { LoadedRate = Count(1, 10_000_000) },
                    "--hold" => options with { HoldSeconds = Count(0, 3600) },
                    "--settle" => options with { SettleSeconds = Count(0, 3600) },
                    "--yield" => options with { Yield = true },
                    "--util-jitter" => options with { UtilJitter = Count(0, 50) },
                    "--storage" => options with { Storage = StorageKind(Value()) },
                    "--log-level" => options with { LogLevel = Level(Value()) },
                    "--no-call-counts" => options with { CountCalls = false },
                    "--json" => options with { Json = true },
                    "-h" or "--help" => throw new FormatException(""),
                    _ => throw new FormatException($"Unknown option '{name}'."),
                };
            }
            catch (FormatException e)
            {
                error = e.Message;
                return null;
            }
        }

        return options.Owners == 0 ? options with { Owners = Math.Max(1, options.Devices / 100) } : options;
    }

    private static string StorageKind(string value) => value.ToLowerInvariant() switch
    {
        "memory" or "sqlite" or "discard" => value.ToLowerInvariant(),
        _ => throw new FormatException($"--storage takes memory, sqlite or discard, not '{value}'."),
    };

    private static Microsoft.Extensions.Logging.LogLevel Level(string value) =>
        Enum.TryParse<Microsoft.Extensions.Logging.LogLevel>(value, ignoreCase: true, out var level)
            ? level
            : throw new FormatException($"--log-level takes Trace, Debug, Information, Warning, Error, Critical or None, not '{value}'.");
}
