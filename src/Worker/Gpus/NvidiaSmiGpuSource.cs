using System.ComponentModel;
using System.Diagnostics;

namespace Fabric.Worker.Gpus;

/// <summary>Real GPUs, found and measured by running nvidia-smi (one run reads every GPU).</summary>
public sealed class NvidiaSmiGpuSource : IGpuSource
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);
    private readonly Func<CancellationToken, Task<string>> _query;

    /// <param name="query">Runs the query and returns its standard output (tests pass captured text).</param>
    public NvidiaSmiGpuSource(Func<CancellationToken, Task<string>> query)
    {
        _query = query;
    }

    public bool Simulated => false;

    /// <summary>A source that runs the nvidia-smi found on PATH.</summary>
    /// <exception cref="WorkerSetupException">nvidia-smi is not on PATH.</exception>
    public static NvidiaSmiGpuSource FromPath()
    {
        var tool = FindOnPath(Environment.GetEnvironmentVariable("PATH"), OperatingSystem.IsWindows())
                   ?? throw new WorkerSetupException(
                       "nvidia-smi is not on PATH, so no NVIDIA GPU can be detected. Install the NVIDIA driver, or try Fabric " +
                       "without a GPU: --simulate 1 --model \"RTX 4090\".");
        return new NvidiaSmiGpuSource(ct => RunAsync(tool, ct));
    }

    /// <summary>The full path of nvidia-smi in <paramref name="path"/> (the PATH variable), or null.</summary>
    public static string? FindOnPath(string? path, bool windows)
    {
        var name = windows ? "nvidia-smi.exe" : "nvidia-smi";
        return (path ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(dir => Path.Combine(dir.Trim('"'), name))
            .FirstOrDefault(File.Exists);
    }

    public async Task<IReadOnlyList<GpuInfo>> DiscoverAsync(CancellationToken cancellationToken)
    {
        var gpus = await ReadAsync(cancellationToken);
        if (gpus.Count == 0)
        {
            throw new WorkerSetupException(
                "nvidia-smi found no GPU. Check the driver with 'nvidia-smi', or try Fabric without a GPU: --simulate 1 --model \"RTX 4090\".");
        }

        var duplicate = gpus.GroupBy(g => g.Uuid, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new WorkerSetupException($"nvidia-smi listed GPU {duplicate.Key} more than once.");
        }

        return [.. gpus.Select(g => g.ToInfo())];
    }

    public async Task<IReadOnlyDictionary<string, GpuMetrics>> SampleAsync(CancellationToken cancellationToken) =>
        (await ReadAsync(cancellationToken)).ToDictionary(g => g.Uuid, g => g.ToMetrics(), StringComparer.Ordinal);

    private async Task<IReadOnlyList<NvidiaSmiGpu>> ReadAsync(CancellationToken cancellationToken)
    {
        var output = await _query(cancellationToken);
        try
        {
            return NvidiaSmiParser.Parse(output);
        }
        catch (NvidiaSmiFormatException e)
        {
            throw new WorkerSetupException(e.Message, e);
        }
    }

    private static async Task<string> RunAsync(string tool, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in NvidiaSmiParser.Query.Split(' '))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new WorkerSetupException($"nvidia-smi ({tool}) could not be started: {e.Message}", e);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RunTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new WorkerSetupException($"nvidia-smi did not answer within {RunTimeout.TotalSeconds:0} seconds.");
        }

        var output = await stdout;
        if (process.ExitCode != 0)
        {
            var why = (await stderr).Trim() is { Length: > 0 } error ? error : output.Trim();
            var firstLine = why.Split('\n', 2)[0].Trim();
            throw new WorkerSetupException($"nvidia-smi failed (exit code {process.ExitCode}): {firstLine}");
        }

        return output;
    }
}
