using System.Diagnostics;
using System.Text.Json;

namespace Fabric.Integration.Infrastructure;

/// <summary>What one run of the fabric command produced.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json()
    {
        try
        {
            return JsonDocument.Parse(Stdout).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"stdout is not JSON (exit {ExitCode}):\n{Stdout}\nstderr:\n{Stderr}", e);
        }
    }

    public JsonElement ErrorJson() => JsonDocument.Parse(Stderr).RootElement.GetProperty("error").Clone();

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>Runs the built fabric command as a user would, from a folder of the test's choosing.</summary>
public static class CliRunner
{
    public static async Task<CliResult> RunAsync(string workingDirectory, params string[] arguments)
    {
        using var process = Process.Start(StartInfo(Paths.CliDll, workingDirectory, arguments))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(limit.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the command and leaves it running, for a test that watches its output or signals it.</summary>
    public static RunningCli Start(string workingDirectory, params string[] arguments) =>
        StartProgram(Paths.CliDll, workingDirectory, arguments);

    /// <summary>Starts another program built with the solution (a sample) the same way.</summary>
    public static RunningCli StartProgram(string dll, string workingDirectory, params string[] arguments) =>
        new(Process.Start(StartInfo(dll, workingDirectory, arguments))!);

    private static ProcessStartInfo StartInfo(string dll, string workingDirectory, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("FABRIC__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        return start;
    }
}

/// <summary>A fabric command (or sample) still running: its stdout line by line, signals, and its result once it exits.</summary>
public sealed class RunningCli : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stdout = new();
    private readonly Task<string> _stderr;

    internal RunningCli(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The next line the command writes to stdout, or a failure saying what it wrote if none comes in time.</summary>
    public async Task<string> NextLineAsync(TimeSpan within)
    {
        using var limit = new CancellationTokenSource(within);
        try
        {
            var line = await _process.StandardOutput.ReadLineAsync(limit.Token)
                       ?? throw new InvalidOperationException($"The command ended (exit {await ExitCodeAsync()}) without another line:\n{_stdout}\nstderr:\n{await _stderr}");
            _stdout.AppendLine(line);
            return line;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No line on stdout within {within}; so far:\n{_stdout}");
        }
    }

    /// <summary>Sends the command SIGTERM, as a service manager (or a script's timeout) would.</summary>
    public Task TerminateAsync() => Signals.TerminateAsync(_process);

    /// <summary>Waits for the command to exit; a failure, with all it wrote, if it is still running after <paramref name="within"/>.</summary>
    public async Task<CliResult> ExitAsync(TimeSpan within)
    {
        var rest = _process.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The command still ran {within} later; its stdout so far:\n{_stdout}");
        }

        _stdout.Append(await rest);
        return new CliResult(_process.ExitCode, _stdout.ToString(), await _stderr);
    }

    private async Task<int> ExitCodeAsync()
    {
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync() => await Signals.EndAsync(_process);
}
