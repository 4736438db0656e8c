using System.Diagnostics;

namespace Fabric.Integration.Infrastructure;

/// <summary>How to start one silo process.</summary>
public sealed record SiloSettings
{
    public required string DataDir { get; init; }
    public required int SiloPort { get; init; }
    public required int GatewayPort { get; init; }
    public required int HttpPort { get; init; }
    public string Storage { get; init; } = "sqlite";
    public string? Connection { get; init; }
    public string ClusterId { get; init; } = "fabric";

    /// <summary>Start with --demo (simulated GPUs, sample clusters and jobs in the silo's process).</summary>
    public bool Demo { get; init; }

    /// <summary>Extra FABRIC__... settings for the process (network keys, genesis wallets).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>A silo on three fresh ports.</summary>
    public static SiloSettings OnFreePorts(string dataDir)
    {
        var ports = FreePorts.Take(3);
        return new SiloSettings { DataDir = dataDir, SiloPort = ports[0], GatewayPort = ports[1], HttpPort = ports[2] };
    }

    public string Gateway => $"127.0.0.1:{GatewayPort}";

    public IEnumerable<string> Arguments()
    {
        yield return "--data-dir";
        yield return DataDir;
        yield return "--silo-port";
        yield return SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--gateway-port";
        yield return GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--http-port";
        yield return HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return "--storage";
        yield return Storage;
        yield return "--cluster-id";
        yield return ClusterId;
        if (Connection is not null)
        {
            yield return "--connection";
            yield return Connection;
        }

        if (Demo)
        {
            yield return "--demo";
        }
    }
}

/// <summary>A real silo process (the built Fabric.Silo.dll), started the way an operator starts it.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    public const string ReadyMarker = "Fabric silo is up";

    private readonly Process _process;

    private SiloProcess(Process process, ProcessOutput output, SiloSettings settings)
    {
        _process = process;
        Output = output;
        Settings = settings;
    }

    public ProcessOutput Output { get; }

    public SiloSettings Settings { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts a silo and returns once it prints its ready banner.</summary>
    public static async Task<SiloProcess> StartAsync(SiloSettings settings, TimeSpan? timeout = null)
    {
        var silo = Launch(settings.Arguments(), settings, new Dictionary<string, string>(settings.Environment));
        var ready = silo.Output.WaitForLineAsync(l => l.StartsWith(ReadyMarker, StringComparison.Ordinal));
        var exited = silo._process.WaitForExitAsync();
        var finished = await Task.WhenAny(ready, exited, Task.Delay(timeout ?? TimeSpan.FromSeconds(90)));
        if (finished != ready)
        {
            var why = finished == exited ? $"exited with {silo._process.ExitCode}" : "did not become ready in time";
            var output = silo.Output.Text;
            await silo.DisposeAsync();
            throw new InvalidOperationException($"Silo on port {settings.SiloPort} {why}:{Environment.NewLine}{output}");
        }

        return silo;
    }

    /// <summary>Runs the silo with raw arguments until it exits (for start-up failures); returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        await using var silo = Launch(arguments, null, environment);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await silo._process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"Silo kept running although it should have refused to start:{Environment.NewLine}{silo.Output.Text}");
        }

        // The exit event can arrive before the last redirected lines; WaitForExit() without a timeout drains them.
        silo._process.WaitForExit();
        return (silo._process.ExitCode, silo.Output.Text);
    }

    /// <summary>Asks the silo to stop (SIGTERM, as systemd or Ctrl+C would) and waits for it to leave the cluster.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        await Signals.TerminateAsync(_process);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(limit.Token);
    }

    /// <summary>Kills the process outright: no goodbye to the cluster, as in a crash or power loss.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static SiloProcess Launch(IEnumerable<string> arguments, SiloSettings? settings, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Paths.SiloDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("FABRIC__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        // Fast failure detection, so a killed silo is declared dead in seconds rather than the production minute.
        start.Environment["FABRIC__MEMBERSHIP__PROBETIMEOUT"] = "00:00:01";
        start.Environment["FABRIC__MEMBERSHIP__NUMMISSEDPROBESLIMIT"] = "2";
        start.Environment["FABRIC__MEMBERSHIP__TABLEREFRESHTIMEOUT"] = "00:00:02";
        start.Environment["FABRIC__MEMBERSHIP__IAMALIVETABLEPUBLISHTIMEOUT"] = "00:00:05";
        start.Environment["FABRIC__MEMBERSHIP__DEATHVOTEEXPIRATIONTIMEOUT"] = "00:00:20";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var output = new ProcessOutput();
        process.Start();
        output.Attach(process);
        return new SiloProcess(process, output, settings ?? SiloSettings.OnFreePorts("unused"));
    }
}
