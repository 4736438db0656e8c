using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fabric.Worker.Jobs;

/// <summary>
/// The job processes of this worker, one per (job, rank): launches are idempotent, so an assignment delivered twice
/// (a retry, a silo failover) runs once, and <see cref="Running"/> tells a worker reconnecting to a restarted silo what
/// it still runs, to re-attach rather than restart.
/// </summary>
/// <remarks>
/// For one (job, rank): launching the restart count that is already there returns that process (running or finished,
/// for the last <see cref="JobRunnerOptions.RememberFinished"/> finished ones), or a failure if the launch differs in
/// any field (a silo bug, not a retry); a higher restart count kills the old attempt and starts the new one; a lower
/// one is refused as stale. A launch that failed to start is forgotten, so it may be tried again.
/// </remarks>
public sealed class JobRunner : IAsyncDisposable
{
    private readonly JobRunnerOptions options;
    private readonly IJobLogSink sink;
    private readonly TimeProvider time;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string JobId, int Rank), Attempt> _attempts = [];
    private readonly Queue<((string JobId, int Rank) Key, Attempt Attempt)> _finished = new();
    private readonly AdoptedProcesses? _adopted;
    private bool _disposed;

    public JobRunner(JobRunnerOptions options, IJobLogSink sink, TimeProvider time, ILogger? logger = null)
    {
        this.options = options;
        this.sink = sink;
        this.time = time;
        if (options.AdoptLeftBehind && ProcessGroup.Setsid is not null && OperatingSystem.IsLinux())
        {
            _adopted = AdoptedProcesses.Start(IsLive, IsRank, time, logger ?? NullLogger.Instance);
        }
    }

    /// <summary>Starts the launch unless this attempt already exists; see the class remarks.</summary>
    public async Task<JobStartResult> LaunchAsync(JobLaunch launch)
    {
        var key = (launch.JobId, launch.Rank);
        var attempt = new Attempt(launch);
        Attempt? previous;
        lock (_lock)
        {
            if (_disposed)
            {
                return JobStartResult.Failed("This worker is shutting down.");
            }

            previous = _attempts.GetValueOrDefault(key);
            if (previous is null || previous.RestartCount < launch.RestartCount)
            {
                _attempts[key] = attempt;
            }
        }

        if (previous is not null && previous.RestartCount > launch.RestartCount)
        {
            return JobStartResult.Failed(
                $"Job {launch.JobId} rank {launch.Rank}: restart {previous.RestartCount} is already here, so restart {launch.RestartCount} is stale.");
        }

        if (previous is not null && previous.RestartCount == launch.RestartCount)
        {
            return SameLaunch(previous.Launch, launch)
                ? await previous.Start.Task
                : JobStartResult.Failed(
                    $"Job {launch.JobId} rank {launch.Rank} restart {launch.RestartCount} is already here with another command or setting.");
        }

        if (previous is not null && await previous.Start.Task is { Started: true } replaced)
        {
            await replaced.Process.KillAsync();
        }

        var result = await JobProcess.StartAsync(launch, options, sink, time);
        attempt.Start.SetResult(result);
        if (result.Started)
        {
            _ = ForgetWhenFinishedAsync(key, attempt, result.Process);
            if (_adopted is { } adopted)
            {
                _ = NudgeWhenExitedAsync(adopted, result.Process);
            }
        }
        else
        {
            lock (_lock)
            {
                RemoveIfCurrent(key, attempt);
            }
        }

        return result;
    }

    /// <summary>The processes that have not exited yet (a snapshot).</summary>
    public IReadOnlyList<JobProcess> Running()
    {
        lock (_lock)
        {
            return
            [
                .. _attempts.Values
                    .Select(a => a.Start.Task)
                    .Where(t => t.IsCompleted && t.Result.Started && !t.Result.Process!.Completion.IsCompleted)
                    .Select(t => t.Result.Process!),
            ];
        }
    }

    /// <summary>The latest started attempt of this rank (running or recently finished), or null.</summary>
    public JobProcess? Find(string jobId, int rank)
    {
        lock (_lock)
        {
            return _attempts.GetValueOrDefault((jobId, rank))?.Start.Task is { IsCompleted: true, Result: { Started: true } started }
                ? started.Process
                : null;
        }
    }

    /// <summary>Refuses new launches, then kills every process and waits for each to end.</summary>
    public async ValueTask DisposeAsync()
    {
        List<Attempt> attempts;
        lock (_lock)
        {
            _disposed = true;
            attempts = [.. _attempts.Values];
        }

        await Task.WhenAll(attempts.Select(async a =>
        {
            if (await a.Start.Task is { Started: true } started)
            {
                await started.Process.DisposeAsync();
            }
        }));
        if (_adopted is not null)
        {
            await _adopted.DisposeAsync();
        }
    }

    /// <summary>What adopts and kills the processes ranks leave running, when <see cref="JobRunnerOptions.AdoptLeftBehind"/> is on.</summary>
    internal AdoptedProcesses? Adopted => _adopted;

    /// <summary>Whether the launch a process says it came from is still starting or running here.</summary>
    private bool IsLive(LaunchMark mark)
    {
        lock (_lock)
        {
            return _attempts.GetValueOrDefault((mark.JobId, mark.Rank)) is { } attempt
                && attempt.RestartCount == mark.RestartCount
                && (!attempt.Start.Task.IsCompleted || attempt.Start.Task.Result.Process is { } process && !process.Exited.IsCompleted);
        }
    }

    /// <summary>Whether a process id is a rank started here and not yet seen to exit (.NET reaps it, not the sweep).</summary>
    private bool IsRank(int pid)
    {
        lock (_lock)
        {
            return _attempts.Values.Any(a => a.Start.Task is { IsCompleted: true, Result.Process: { } process }
                && process.ProcessId == pid && !process.Exited.IsCompleted);
        }
    }

    private static async Task NudgeWhenExitedAsync(AdoptedProcesses adopted, JobProcess process)
    {
        await process.Exited;
        adopted.Nudge();
    }

    private async Task ForgetWhenFinishedAsync((string JobId, int Rank) key, Attempt attempt, JobProcess process)
    {
        await process.Completion;
        lock (_lock)
        {
            _finished.Enqueue((key, attempt));
            while (_finished.Count > options.RememberFinished)
            {
                var (oldKey, oldAttempt) = _finished.Dequeue();
                RemoveIfCurrent(oldKey, oldAttempt);
            }
        }
    }

    private void RemoveIfCurrent((string JobId, int Rank) key, Attempt attempt)
    {
        if (_attempts.GetValueOrDefault(key) == attempt)
        {
            _attempts.Remove(key);
        }
    }

    /// <summary>Field by field: the record's own equality compares its lists by reference.</summary>
    private static bool SameLaunch(JobLaunch a, JobLaunch b) =>
        a.JobId == b.JobId
        && a.ClusterId == b.ClusterId
        && a.Rank == b.Rank
        && a.WorldSize == b.WorldSize
        && a.MasterAddr == b.MasterAddr
        && a.MasterPort == b.MasterPort
        && a.RestartCount == b.RestartCount
        && a.GpuIndices.SequenceEqual(b.GpuIndices)
        && a.Program == b.Program
        && a.Arguments.SequenceEqual(b.Arguments)
        && a.EnvironmentVariables.Count == b.EnvironmentVariables.Count
        && a.EnvironmentVariables.All(v => b.EnvironmentVariables.TryGetValue(v.Key, out var value) && value == v.Value);

    private sealed class Attempt(JobLaunch launch)
    {
        public JobLaunch Launch { get; } = launch;

        public int RestartCount => Launch.RestartCount;

        public TaskCompletionSource<JobStartResult> Start { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
