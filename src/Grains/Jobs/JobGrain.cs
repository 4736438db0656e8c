using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Ledger;
using Fabric.Persistence;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Fabric.Rejections;

namespace Fabric.Jobs;

/// <summary>
/// One job on one cluster: a command run once per rank of the cluster. Starts an attempt when the cluster holds all
/// its ranks, follows what the workers report (authenticated by the attempt's token), restarts on re-placed ranks,
/// and ends exactly once. Its output is a bounded tail kept in its own state, written coalesced.
/// </summary>
public sealed partial class JobGrain(
    [PersistentState("job", "fabric")] IPersistentState<JobState> state,
    [PersistentState("job-log", "fabric")] IPersistentState<JobLogState> log,
    IOptions<RentalOptions> rental,
    IOptions<NetworkOptions> network,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    GrainReferences grains,
    IHostApplicationLifetime lifetime,
    ILogger<JobGrain> logger) : Grain, IJobGrain
{
    /// <summary>Most output text a job keeps (its tail); older chunks are dropped and counted.</summary>
    public const long MaxLogBytes = 1024 * 1024;

    /// <summary>Longest a log read may wait for output.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);

    private readonly SignedRequestGate _gate = new(network.Value, time);
    private TaskCompletionSource _logged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _logDirty;

    // Each attempt and rank's last sequence as storage has it: as loaded, then as each write of the log stored it.
    private System.Collections.Immutable.ImmutableDictionary<string, long>? _durable;
    private IGrainTimer? _logTimer;

    private JobDetails? Job => state.State.Job;

    public async Task<JobDetails> SubmitAsync(SignedEnvelope request)
    {
        var id = this.GetPrimaryKeyString();
        var renter = SignedRequestGate.SignerOf(request);
        var verified = _gate.Verify(request, renter);
        Require(verified.Operation == RentalOperations.Submit, $"Expected a {RentalOperations.Submit} request, got {verified.Operation}.");
        var payload = SignedRequestGate.Decode(verified, p => JobSubmitPayload.Decode(p.Span));
        Require(payload.JobId == id, $"The request submits job '{payload.JobId}', not '{id}'.");
        Require(IdRules.IsValid(id), $"Job id '{id}' is not valid: {IdRules.Description}.");
        Require(IdRules.IsValid(payload.ClusterId), $"Cluster id '{payload.ClusterId}' is not valid: {IdRules.Description}.");
        Require(!string.IsNullOrWhiteSpace(payload.Command[0]), "A job needs a program to run.");

        if (Job is { } existing)
        {
            Require(existing.Renter == renter.ToString() && existing.ClusterId == payload.ClusterId && existing.Command.SequenceEqual(payload.Command),
                $"Job '{id}' already exists with another renter, cluster or command.");
            return existing;
        }

        // The cluster checks the renter is its own and that it still runs.
        var cluster = await grains.Get<IClusterGrain>(payload.ClusterId).AddJobAsync(id, renter.ToString());
        var now = time.GetUtcNow();
        var job = new JobDetails
        {
            Id = id,
            Renter = renter.ToString(),
            ClusterId = cluster.Id,
            Command = payload.Command,
            Status = JobStatus.Queued,
            Reason = $"waiting for cluster {cluster.Id} to be placed",
            SubmittedAt = now,
            UpdatedAt = now,
            Attempts = [],
        };
        await state.WriteAsync(state.State with { Job = job });
        await grains.Get<IRenterGrain>(job.Renter).AddJobAsync(id);
        LogSubmitted(logger, id, job.Renter, cluster.Id);
        if (cluster.Status == ClusterStatus.Running && cluster.Members.Count == cluster.Spec.Gpus)
        {
            await StartAttemptAsync(cluster, "first run");
        }

        return Job!;
    }

    public async Task<JobDetails> CancelAsync(SignedEnvelope request)
    {
        var job = RequireJob();
        var verified = _gate.Verify(request, WalletAddress.Parse(job.Renter));
        Require(verified.Operation == RentalOperations.Cancel, $"Expected a {RentalOperations.Cancel} request, got {verified.Operation}.");
        var payload = SignedRequestGate.Decode(verified, p => JobRefPayload.Decode(p.Span));
        Require(payload.JobId == job.Id, $"The request cancels job '{payload.JobId}', not '{job.Id}'.");
        if (!IsTerminal(job.Status))
        {
            await EndAsync(JobStatus.Cancelled, "cancelled by the renter", exitCode: null);
        }

        return Job!;
    }

    public Task<JobDetails?> GetAsync() => Task.FromResult(Job);

    public async Task<LogPage> ReadLogsAsync(long cursor, int max, TimeSpan wait)
    {
        Require(max is >= 1 and <= 10_000, "Read 1 to 10000 chunks at a time.");
        if (Job is null)
        {
            throw new FabricRejectedException($"No job has id '{this.GetPrimaryKeyString()}'.");
        }

        var page = Page(cursor, max);
        if (page.Chunks.Count > 0 || page.Complete || wait <= TimeSpan.Zero)
        {
            return page;
        }

        // Follow mode: wait for the next append (or the job's end), bounded so the call never hits its timeout.
        var signal = _logged.Task;
        await LongPoll.WaitAsync(signal, wait < MaxWait ? wait : MaxWait, lifetime.ApplicationStopping);
        return Page(cursor, max);
    }

    public async Task ReportAsync(Guid reportToken, RankReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var job = RequireJob();
        var attempt = RequireToken(reportToken, report.Attempt);
        if (IsTerminal(job.Status) || attempt != job.Attempts.Count)
        {
            return; // late news of an attempt that is over
        }

        var current = job.Attempts[^1];
        var rank = current.Ranks.FirstOrDefault(r => r.Rank == report.Rank)
            ?? throw new FabricRejectedException($"Attempt {attempt} of job '{job.Id}' has no rank {report.Rank}.");
        var now = time.GetUtcNow();
        var updated = report.Event switch
        {
            RankEvent.Started => rank with { Pid = report.Pid, StartedAt = rank.StartedAt ?? now },
            RankEvent.Exited => rank with { ExitCode = report.ExitCode, EndedAt = now, Note = report.Message },
            RankEvent.StartFailed => rank with { EndedAt = now, Note = $"could not start: {report.Message}" },
            _ => throw new FabricRejectedException($"Unknown rank event {(int)report.Event}."),
        };
        if (updated == rank)
        {
            return;
        }

        IReadOnlyList<JobAttempt> attempts = [.. job.Attempts.SkipLast(1), current with { Ranks = [.. current.Ranks.Select(r => r.Rank == report.Rank ? updated : r)] }];
        var ranks = attempts[^1].Ranks;
        job = job with { Attempts = attempts, UpdatedAt = now };
        if (job.Status == JobStatus.Queued)
        {
            // A rank was lost and this attempt is over: the job stopped the other ranks, and a stopping worker reports
            // the rank it killed. Their exits are the attempt's history; the job waits to restart, it has not failed.
            await SaveAsync(job);
        }
        else if (report.Event == RankEvent.StartFailed)
        {
            await EndAsync(JobStatus.Failed, $"rank {report.Rank} could not start: {report.Message}", exitCode: null, updated: job);
        }
        else if (report.Event == RankEvent.Exited && report.ExitCode != 0)
        {
            await EndAsync(JobStatus.Failed, $"rank {report.Rank} exited with code {report.ExitCode}", report.ExitCode, updated: job);
        }
        else if (ranks.All(r => r.EndedAt is not null))
        {
            // One write for the last exit and the end.
            await EndAsync(JobStatus.Succeeded, "every rank exited with code 0", 0, updated: job);
        }
        else if (job.Status == JobStatus.Starting && ranks.All(r => r.StartedAt is not null))
        {
            await SaveAsync(job with { Status = JobStatus.Running, Reason = $"running (attempt {attempt})", StartedAt = job.StartedAt ?? now });
        }
        else
        {
            await SaveAsync(job);
        }
    }

    public Task AppendLogsAsync(Guid reportToken, int rank, IReadOnlyList<LogChunk> chunks) =>
        AppendLogsAsync(reportToken, rank, chunks, resent: true, flush: false);

    public async Task<LogAck> AppendLogsAsync(Guid reportToken, int rank, IReadOnlyList<LogChunk> chunks, bool resent, bool flush)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var job = RequireJob();
        var attempt = state.State.Tokens.IndexOf(reportToken) + 1;
        Require(attempt > 0, $"That report token does not belong to job '{job.Id}'.");
        Require(chunks.Count <= 1024, "At most 1024 chunks per call.");
        var key = $"{attempt}/{rank}";
        // Only this call moves what is seen, so before its first change the state is as loaded, or as last written.
        _durable ??= log.State.Seen;
        var seen = log.State.Seen.GetValueOrDefault(key, -1);
        var fresh = chunks.Where(c => c.Sequence > seen).OrderBy(c => c.Sequence).ToList();
        var lost = fresh.Count > 0 ? fresh[0].Sequence - seen - 1 : 0;
        if (lost > 0 && !resent)
        {
            // This activation lost output its silo had not written: the worker sends again what it holds after `seen`.
            return Ack(key);
        }

        if (fresh.Count > 0)
        {
            IEnumerable<(int, OutputSource, string)> parts = fresh.Where(c => c.Text.Length > 0).Select(c => (rank, c.Stream, c.Text));
            if (lost > 0)
            {
                parts = parts.Prepend((-1, OutputSource.Fabric, $"[fabric] attempt {attempt}: {lost} chunk(s) of rank {rank}'s output were lost\n"));
            }

            Append(parts, log.State.Seen.SetItem(key, fresh[^1].Sequence));
        }

        if (flush)
        {
            await FlushLogAsync();
        }

        return Ack(key);
    }

    private LogAck Ack(string key) => new()
    {
        Seen = log.State.Seen.GetValueOrDefault(key, -1),
        Durable = _durable!.GetValueOrDefault(key, -1),
    };

    public async Task ClusterReadyAsync(ClusterDetails cluster, string reason)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (Job is not { } job || IsTerminal(job.Status) || job.Status != JobStatus.Queued || cluster.Id != job.ClusterId)
        {
            return;
        }

        if (cluster is { Status: ClusterStatus.Running } && cluster.Members.Count == cluster.Spec.Gpus)
        {
            await StartAttemptAsync(cluster, job.Attempts.Count == 0 ? "first run" : reason);
        }
    }

    public async Task RankLostAsync(int rank, string reason)
    {
        if (Job is not { } job || IsTerminal(job.Status) || job.Attempts.Count == 0 || job.Status == JobStatus.Queued)
        {
            return;
        }

        var current = job.Attempts[^1];
        var now = time.GetUtcNow();
        var ranks = current.Ranks.Select(r => r.Rank == rank ? r with { EndedAt = r.EndedAt ?? now, Note = $"device lost: {reason}" } : r).ToList();
        await SaveAsync(job with
        {
            Status = JobStatus.Queued,
            Reason = $"rank {rank} lost ({reason}); restarts when the cluster re-places it",
            UpdatedAt = now,
            Attempts = [.. job.Attempts.SkipLast(1), current with { Ranks = ranks }],
        });
        AppendFabricLine($"attempt {current.Number}: rank {rank} lost ({reason}); the job restarts once the rank is re-placed");
        await StopRanksAsync(current, except: rank);
    }

    public async Task ClusterEndedAsync(string reason)
    {
        if (Job is { } job && !IsTerminal(job.Status))
        {
            await EndAsync(JobStatus.Failed, reason, exitCode: null, tellCluster: false);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushLogAsync();
    }

    private async Task StartAttemptAsync(ClusterDetails cluster, string reason)
    {
        var job = RequireJob();
        var number = job.Attempts.Count + 1;
        var token = Guid.NewGuid();
        var now = time.GetUtcNow();
        var members = cluster.Members.OrderBy(m => m.Rank).ToList();
        var master = members[0].WorkerAddress is { Length: > 0 } address ? address : "127.0.0.1";
        var attempt = new JobAttempt
        {
            Number = number,
            At = now,
            Reason = reason,
            Ranks = [.. members.Select(m => new RankRun { Rank = m.Rank, DeviceId = m.DeviceId })],
            MasterAddr = master,
        };
        await state.WriteAsync(state.State with
        {
            Job = job with
            {
                Status = JobStatus.Starting,
                Reason = $"starting attempt {number} on {members.Count} GPU(s)",
                UpdatedAt = now,
                Attempts = [.. job.Attempts, attempt],
            },
            Tokens = state.State.Tokens.Add(token),
        });
        AppendFabricLine(number == 1
            ? $"attempt 1 on {string.Join(", ", members.Select(m => m.DeviceId))}"
            : $"attempt {number} (restart {number - 1}: {reason}) on {string.Join(", ", members.Select(m => m.DeviceId))}");
        await Task.WhenAll(attempt.Ranks.Select(r => DispatchAsync(StartOrder(job, attempt, r, token))));
    }

    public Task<WorkOrder?> OrderForAsync(string deviceId, int rank)
    {
        if (Job is not { } job || IsTerminal(job.Status) || job.Attempts.Count == 0
            || job.Attempts[^1] is not { } attempt || attempt.Ranks.FirstOrDefault(r => r.Rank == rank) is not { } run
            || run.DeviceId != deviceId || run.EndedAt is not null)
        {
            return Task.FromResult<WorkOrder?>(null);
        }

        return Task.FromResult<WorkOrder?>(StartOrder(job, attempt, run, state.State.Tokens[attempt.Number - 1]));
    }

    private WorkOrder StartOrder(JobDetails job, JobAttempt attempt, RankRun run, Guid token) => new()
    {
        Kind = WorkKind.Start,
        DeviceId = run.DeviceId,
        JobId = job.Id,
        ClusterId = job.ClusterId,
        Rank = run.Rank,
        WorldSize = attempt.Ranks.Count,
        Attempt = attempt.Number,
        Command = job.Command,
        MasterAddr = attempt.MasterAddr is { Length: > 0 } master ? master : "127.0.0.1",
        MasterPort = rental.Value.MasterPort,
        ReportToken = token,
    };

    private async Task EndAsync(JobStatus status, string reason, int? exitCode, bool tellCluster = true, JobDetails? updated = null)
    {
        var job = updated ?? RequireJob();
        var now = time.GetUtcNow();
        await SaveAsync(job with { Status = status, Reason = reason, EndedAt = now, UpdatedAt = now, ExitCode = exitCode });
        AppendFabricLine($"job {status.ToString().ToLowerInvariant()}: {reason}");
        await FlushLogAsync();
        // An ended job writes its log no more (late output is flushed on deactivation): no timer per finished job.
        _logTimer?.Dispose();
        _logTimer = null;
        _logged.TrySetResult();
        LogEnded(logger, job.Id, status, reason);
        if (job.Attempts.Count > 0)
        {
            var last = RequireJob().Attempts[^1];
            await StopRanksAsync(last, except: null);
            // Ranks that exited by themselves: their devices drop the start order, so a worker that re-attaches
            // later is not given a finished job to run again.
            await Task.WhenAll(last.Ranks.Where(r => r.EndedAt is not null).Select(r => ForgetAsync(r.DeviceId, job.Id, r.Rank)));
        }

        if (tellCluster)
        {
            await grains.Get<IClusterGrain>(job.ClusterId).JobEndedAsync(job.Id);
        }
    }

    /// <summary>Tells the workers to stop the attempt's ranks that may still run.</summary>
    private async Task StopRanksAsync(JobAttempt attempt, int? except)
    {
        var job = RequireJob();
        var token = state.State.Tokens[attempt.Number - 1];
        await Task.WhenAll(attempt.Ranks.Where(r => r.Rank != except && r.EndedAt is null)
            .Select(r => DispatchAsync(StartOrder(job, attempt, r, token) with { Kind = WorkKind.Stop, MasterAddr = "", MasterPort = 0 })));
    }

    private async Task DispatchAsync(WorkOrder order)
    {
        try
        {
            await grains.Get<IDeviceGrain>(order.DeviceId).DispatchAsync(order);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A device that no longer serves the cluster: its rank is being re-placed or the cluster ended.
            LogDispatchFailed(logger, order.JobId, order.Rank, order.DeviceId, e.Message);
        }
    }

    private async Task ForgetAsync(string deviceId, string jobId, int rank)
    {
        try
        {
            await grains.Get<IDeviceGrain>(deviceId).ForgetOrderAsync(jobId, rank);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDispatchFailed(logger, jobId, rank, deviceId, e.Message);
        }
    }

    private Task SaveAsync(JobDetails job) => state.WriteAsync(state.State with { Job = job });

    private LogPage Page(long cursor, int max)
    {
        var chunks = log.State.Chunks;
        var first = chunks.Count == 0 ? log.State.Next : chunks[0].Sequence;
        var start = (int)Math.Clamp(cursor - first, 0, chunks.Count);
        var items = chunks.GetRange(start, Math.Min(max, chunks.Count - start));
        var next = items.Count > 0 ? items[^1].Sequence + 1 : Math.Max(cursor, first);
        return new LogPage
        {
            Chunks = items,
            Next = next,
            Complete = Job is { } job && IsTerminal(job.Status) && next >= log.State.Next,
            Dropped = cursor < first ? first - Math.Max(cursor, 0) : 0,
        };
    }

    private void AppendFabricLine(string text) => Append([(-1, OutputSource.Fabric, $"[fabric] {text}\n")], log.State.Seen);

    private void Append(IEnumerable<(int Rank, OutputSource Stream, string Text)> parts, System.Collections.Immutable.ImmutableDictionary<string, long> seen)
    {
        var now = time.GetUtcNow();
        var s = log.State;
        var chunks = s.Chunks.ToBuilder();
        var next = s.Next;
        var bytes = s.Bytes;
        foreach (var (rank, stream, text) in parts)
        {
            chunks.Add(new LogChunk { Sequence = next++, Rank = rank, Stream = stream, Text = text, At = now });
            bytes += text.Length;
        }

        var dropped = s.Dropped;
        while (bytes > MaxLogBytes && chunks.Count > 1)
        {
            bytes -= chunks[0].Text.Length;
            chunks.RemoveAt(0);
            dropped++;
        }

        log.State = s with { Chunks = chunks.ToImmutable(), Next = next, Bytes = bytes, Dropped = dropped, Seen = seen };
        _logDirty = true;
        _logTimer ??= this.RegisterGrainTimer(_ => FlushLogAsync(), new GrainTimerCreationOptions(rental.Value.LogWriteEvery, rental.Value.LogWriteEvery));
        var waiters = _logged;
        _logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        waiters.TrySetResult();
    }

    private async Task FlushLogAsync()
    {
        if (!_logDirty)
        {
            return;
        }

        _logDirty = false;
        // Nothing else changes the log while this write is awaited (only reads interleave), so this is what it stores.
        var written = log.State.Seen;
        try
        {
            await log.WriteStateAsync();
            _durable = written;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logDirty = true; // the next tick tries again
            LogLogWriteFailed(logger, this.GetPrimaryKeyString(), e.Message);
        }
    }

    private int RequireToken(Guid token, int attempt)
    {
        var index = state.State.Tokens.IndexOf(token);
        Require(index >= 0 && index + 1 == attempt, $"That report token does not belong to attempt {attempt} of job '{this.GetPrimaryKeyString()}'.");
        return attempt;
    }

    private JobDetails RequireJob() => Job ?? throw new FabricRejectedException($"No job has id '{this.GetPrimaryKeyString()}'.");

    private static bool IsTerminal(JobStatus status) => status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} submitted by {Renter} on cluster {ClusterId}")]
    private static partial void LogSubmitted(ILogger logger, string jobId, string renter, string clusterId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ended ({Status}): {Reason}")]
    private static partial void LogEnded(ILogger logger, string jobId, JobStatus status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} rank {Rank}: order to device {DeviceId} failed: {Reason}")]
    private static partial void LogDispatchFailed(ILogger logger, string jobId, int rank, string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} could not write its log: {Reason}; will retry")]
    private static partial void LogLogWriteFailed(ILogger logger, string jobId, string reason);
}
