using System.Diagnostics;

namespace Fabric.Integration.Infrastructure;

/// <summary>A real fabric-worker process, started as a supplier would start it.</summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process, ProcessOutput output)
    {
        _process = process;
        Output = output;
    }

    public ProcessOutput Output { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public static WorkerProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Paths.WorkerDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("FABRIC__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        var process = new Process { StartInfo = start };
        var output = new ProcessOutput();
        process.Start();
        output.Attach(process);
        return new WorkerProcess(process, output);
    }

    /// <summary>
    /// kill -9 the worker alone, as when its machine's agent crashes: the job processes it started are not its to
    /// clean up any more and keep running (the caller ends them).
    /// </summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, as a service manager stops the worker; returns its exit code once it has exited.</summary>
    public async Task<int> StopAsync(TimeSpan within)
    {
        await Signals.TerminateAsync(_process);
        using var limit = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync() => await Signals.EndAsync(_process);
}
