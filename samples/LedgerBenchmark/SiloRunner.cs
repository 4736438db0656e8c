using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Fabric.Samples.LedgerBenchmark;

/// <summary>A silo process of our own on fresh ports and a fresh data folder; killed (with its children) on dispose.</summary>
internal sealed class SiloRunner : IDisposable
{
    private const string ReadyMarker = "Fabric silo is up";
    private const int KeptLines = 200;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lastLines = new();
    private int _disposed;

    private SiloRunner(Process process, int gatewayPort)
    {
        _process = process;
        GatewayPort = gatewayPort;
    }

    public int GatewayPort { get; }

    public string Gateway => $"127.0.0.1:{GatewayPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>CPU time the silo process has used so far (user and system, all threads).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts the silo and returns once it prints its ready banner.</summary>
    public static async Task<SiloRunner> StartAsync(string siloDll, string dataDir, CancellationToken cancellationToken)
    {
        if (!File.Exists(siloDll))
        {
            throw new BenchmarkException($"No silo at {siloDll}: build it (dotnet build -c Release src/Silo) or pass --silo-dll.");
        }

        var ports = FreePorts(3);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     siloDll, "--data-dir", dataDir, "--silo-port", Text(ports[0]), "--gateway-port", Text(ports[1]), "--http-port", Text(ports[2]),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        // The benchmark's silo is Fabric's defaults only: nothing from this shell's FABRIC__ settings.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("FABRIC__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        var process = new Process { StartInfo = start };
        var silo = new SiloRunner(process, ports[1]);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            silo._lastLines.Enqueue(line);
            while (silo._lastLines.Count > KeptLines && silo._lastLines.TryDequeue(out _))
            {
            }

            if (line.StartsWith(ReadyMarker, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync(cancellationToken);
            var finished = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(90), cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            if (finished != ready.Task)
            {
                var why = finished == exited ? $"exited with code {process.ExitCode}" : "did not print its ready banner within 90 s";
                throw new BenchmarkException($"The silo {why}:{Environment.NewLine}{string.Join(Environment.NewLine, silo._lastLines)}");
            }

            return silo;
        }
        catch
        {
            silo.Dispose();
            throw;
        }
    }

    /// <summary>Kills the silo if it runs; safe to call twice and from the process-exit handler.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }

        _process.Dispose();
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ =>
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return listener;
        }).ToList();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}

/// <summary>A failure the benchmark explains in one message (exit code 1).</summary>
internal sealed class BenchmarkException(string message) : Exception(message);
