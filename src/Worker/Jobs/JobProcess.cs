using System.ComponentModel;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Fabric.Worker.Jobs;

/// <summary>How a job process ended.</summary>
/// <param name="ExitCode">The process's exit code (on Unix, 128 + the signal for a process killed by a signal: 137 for a kill).</param>
/// <param name="Killed">
/// True when Fabric asked for the kill (<see cref="JobProcess.KillAsync"/> or disposal) before it saw the process exit
/// (one exiting by itself at that very moment counts as killed).
/// </param>
/// <param name="ExitedAt">When the worker saw it exit.</param>
/// <param name="OutputBytes">Bytes it wrote to stdout and stderr together.</param>
/// <param name="DroppedBytes">Of those, the bytes the sink never got (each gap has a marker chunk).</param>
public sealed record JobExit(int ExitCode, bool Killed, DateTimeOffset ExitedAt, long OutputBytes, long DroppedBytes);

/// <summary>A started process, or why none started: a start failure is a result to report, not an exception.</summary>
public sealed class JobStartResult
{
    private JobStartResult(JobProcess? process, string? failure)
    {
        Process = process;
        Failure = failure;
    }

    public JobProcess? Process { get; }

    /// <summary>Why nothing started, for the renter (it carries the operating system's message when there is one).</summary>
    public string? Failure { get; }

    [MemberNotNullWhen(true, nameof(Process))]
    [MemberNotNullWhen(false, nameof(Failure))]
    public bool Started => Process is not null;

    internal static JobStartResult Succeeded(JobProcess process) => new(process, null);

    internal static JobStartResult Failed(string failure) => new(null, failure);
}

/// <summary>
/// One rank of a job running as a child process of the worker: started with the job's environment in the job's folder,
/// its output streamed to an <see cref="IJobLogSink"/>, killable as a whole process tree.
/// </summary>
/// <remarks>
/// The child sees its launch as <c>CUDA_VISIBLE_DEVICES</c> (the GPU indices, comma-joined), <c>FABRIC_JOB_ID</c>,
/// <c>FABRIC_CLUSTER_ID</c>, <c>FABRIC_RANK</c>, <c>FABRIC_WORLD_SIZE</c>, <c>FABRIC_MASTER_ADDR</c>,
/// <c>FABRIC_MASTER_PORT</c> and <c>FABRIC_RESTART_COUNT</c>, on top of the worker's environment minus the worker's
/// own <c>FABRIC_*</c> settings (a supplier's configuration is none of the job's business). Its stdin is empty.
/// </remarks>
public sealed partial class JobProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _stopSink;
    private readonly TimeSpan _sinkDrainLimit;
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _exitedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _exited;
    private int _disposed;
    private bool _killed;

    // Started in a session of its own (ProcessGroup): what it leaves running dies with the rank.
    private readonly bool _ownGroup;

    private JobProcess(JobLaunch launch, Process process, bool ownGroup, JobOutput output, JobRunnerOptions options, TimeProvider time)
    {
        Launch = launch;
        _process = process;
        _ownGroup = ownGroup;
        ProcessId = process.Id;
        StartedAt = time.GetUtcNow();
        _stopSink = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        _sinkDrainLimit = options.StopDrainLimit;
        Completion = RunAsync(output, options.OutputGracePeriod, time);
    }

    public JobLaunch Launch { get; }

    public int ProcessId { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>
    /// Completes when the process has exited and its output has been handed to the sink (or dropped and counted).
    /// Never faults.
    /// </summary>
    public Task<JobExit> Completion { get; }

    /// <summary>Completes when the process has exited, maybe before its last output reaches the sink (tests hold the sink until then).</summary>
    internal Task Exited => _exitedSignal.Task;

    /// <summary>
    /// Starts the launch's program. Returns once the process really runs (the operating system has accepted the
    /// program), or with the reason it could not: a bad launch, a working folder that cannot be made, a program that
    /// does not exist or may not be run.
    /// </summary>
    public static Task<JobStartResult> StartAsync(JobLaunch launch, JobRunnerOptions options, IJobLogSink sink, TimeProvider time)
    {
        if (Invalid(launch) is { } problem)
        {
            return Task.FromResult(JobStartResult.Failed(problem));
        }

        string folder;
        try
        {
            folder = Directory.CreateDirectory(Path.Combine(options.WorkRoot, launch.JobId)).FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return Task.FromResult(JobStartResult.Failed($"Cannot create the job folder under {options.WorkRoot}: {e.Message}"));
        }

        string? resolved = null;
        if (ProcessGroup.Setsid is not null && OperatingSystem.IsLinux())
        {
            (resolved, var failure) = ProcessGroup.Resolve(launch.Program);
            if (failure is not null)
            {
                return Task.FromResult(JobStartResult.Failed($"Cannot start '{launch.Program}': {failure}"));
            }
        }

        var process = new Process { StartInfo = StartInfo(launch, folder, resolved) };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            return Task.FromResult(JobStartResult.Failed($"Cannot start '{launch.Program}': {e.Message}"));
        }

        process.StandardInput.Close();
        return Task.FromResult(JobStartResult.Succeeded(new JobProcess(launch, process, resolved is not null, new JobOutput(launch, options, sink, time), options, time)));
    }

    /// <summary>
    /// Kills the process and every process it started (its descendants, and on Linux whatever stayed in its process
    /// group), and returns its exit once its last output has been handed on. Does nothing more to a process that has
    /// already exited (what it left running was killed when it exited).
    /// </summary>
    public async Task<JobExit> KillAsync()
    {
        KillTree();
        return await Completion;
    }

    /// <summary>
    /// Kills the process tree if it still runs, hands its last output to the sink within
    /// <see cref="JobRunnerOptions.StopDrainLimit"/> (what it printed just before is often what tells why it stopped),
    /// and waits for the end.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            await Completion;
            return;
        }

        KillTree();
        _stopSink.CancelAfter(_sinkDrainLimit);
        await Completion;
        _process.Dispose();
        _stopReading.Dispose();
        _stopSink.Dispose();
    }

    private void KillTree()
    {
        lock (_lock)
        {
            if (_exited)
            {
                return;
            }

            _killed = true;
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited just now.
            }
            catch (Win32Exception)
            {
                // A descendant could not be killed (it exited meanwhile, or belongs to another user); the rest are.
            }

            // Descendants first (one may have left the group), then the group (one may have lost its parent).
            KillGroup();
        }
    }

    private void KillGroup()
    {
        if (_ownGroup)
        {
            ProcessGroup.KillAll(ProcessId);
        }
    }

    private async Task<JobExit> RunAsync(JobOutput output, TimeSpan gracePeriod, TimeProvider time)
    {
        var reading = output.ReadAsync(_process.StandardOutput.BaseStream, _process.StandardError.BaseStream, _stopReading.Token);
        var draining = output.DrainAsync(_stopSink.Token);

        await _process.WaitForExitAsync(CancellationToken.None);
        bool killed;
        lock (_lock)
        {
            _exited = true;
            killed = _killed;
        }

        var exitedAt = time.GetUtcNow();
        var exitCode = _process.ExitCode;
        // The rank is over, and so is whatever it left running in the background.
        KillGroup();
        _exitedSignal.SetResult();

        // Something the process left running outside its group may hold its pipes open: read what comes within the
        // grace period only.
        try
        {
            await reading.WaitAsync(gracePeriod, time);
        }
        catch (TimeoutException)
        {
            await _stopReading.CancelAsync();
            await reading;
        }

        await draining;
        return new JobExit(exitCode, killed, exitedAt, output.ReadBytes, output.DroppedBytes);
    }

    // resolved: the program's path when it starts through setsid, in a session of its own; else null.
    private static ProcessStartInfo StartInfo(JobLaunch launch, string folder, string? resolved)
    {
        var start = new ProcessStartInfo(resolved is null ? launch.Program : ProcessGroup.Setsid!)
        {
            UseShellExecute = false,
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (resolved is not null)
        {
            start.ArgumentList.Add(resolved);
        }

        foreach (var argument in launch.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("FABRIC_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in launch.EnvironmentVariables)
        {
            start.Environment[name] = value;
        }

        var invariant = CultureInfo.InvariantCulture;
        start.Environment["CUDA_VISIBLE_DEVICES"] = string.Join(',', launch.GpuIndices.Select(i => i.ToString(invariant)));
        start.Environment["FABRIC_JOB_ID"] = launch.JobId;
        start.Environment["FABRIC_CLUSTER_ID"] = launch.ClusterId;
        start.Environment["FABRIC_RANK"] = launch.Rank.ToString(invariant);
        start.Environment["FABRIC_WORLD_SIZE"] = launch.WorldSize.ToString(invariant);
        start.Environment["FABRIC_MASTER_ADDR"] = launch.MasterAddr;
        start.Environment["FABRIC_MASTER_PORT"] = launch.MasterPort.ToString(invariant);
        start.Environment["FABRIC_RESTART_COUNT"] = launch.RestartCount.ToString(invariant);
        return start;
    }

    private static string? Invalid(JobLaunch launch) => launch switch
    {
        _ when !JobIdPattern().IsMatch(launch.JobId) =>
            $"Job id '{launch.JobId}' is not valid: 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit.",
        _ when launch.WorldSize < 1 || launch.Rank < 0 || launch.Rank >= launch.WorldSize =>
            $"Rank {launch.Rank} is not within a world of {launch.WorldSize}.",
        _ when launch.MasterPort is < 0 or > 65535 => $"Master port {launch.MasterPort} is not a port.",
        _ when launch.RestartCount < 0 => $"Restart count {launch.RestartCount} is negative.",
        _ when launch.GpuIndices.Any(i => i < 0) => "GPU indices cannot be negative.",
        _ when string.IsNullOrWhiteSpace(launch.Program) => "No program to run.",
        _ => null,
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex JobIdPattern();
}
