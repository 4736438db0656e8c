using System.Collections.Concurrent;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Fabric.Client;
using Fabric.Jobs;
using Fabric.Worker.Connection;
using Microsoft.Extensions.Logging;
using FabricChunk = Fabric.Jobs.LogChunk;

namespace Fabric.Worker.Jobs;

/// <summary>The calls the worker makes about work (a seam for tests).</summary>
public interface IWorkApi
{
    Task<IReadOnlyList<WorkOrder>> AttachAsync(string deviceId, Guid session, string inbox, string address, CancellationToken cancellationToken);

    Task<WorkBatch> PollAsync(string inbox, Guid epoch, long cursor, TimeSpan wait, CancellationToken cancellationToken);

    Task ReportAsync(Guid token, RankReport report, CancellationToken cancellationToken);

    Task<LogAck> AppendLogsAsync(string jobId, Guid token, int rank, IReadOnlyList<FabricChunk> chunks, bool resent, bool flush, CancellationToken cancellationToken);
}

/// <summary>Work calls through the worker's connection (a call that finds nobody answering marks the client broken).</summary>
public sealed class FabricWorkApi(WorkerConnection connection) : IWorkApi
{
    public Task<IReadOnlyList<WorkOrder>> AttachAsync(string deviceId, Guid session, string inbox, string address, CancellationToken cancellationToken) =>
        CallAsync(c => c.AttachWorkerAsync(deviceId, session, inbox, address, cancellationToken), cancellationToken);

    public Task<WorkBatch> PollAsync(string inbox, Guid epoch, long cursor, TimeSpan wait, CancellationToken cancellationToken) =>
        CallAsync(c => c.PollWorkAsync(inbox, epoch, cursor, wait, cancellationToken), cancellationToken);

    public Task ReportAsync(Guid token, RankReport report, CancellationToken cancellationToken) =>
        CallAsync(async c => { await c.ReportRankAsync(token, report, cancellationToken); return true; }, cancellationToken);

    public Task<LogAck> AppendLogsAsync(string jobId, Guid token, int rank, IReadOnlyList<FabricChunk> chunks, bool resent, bool flush, CancellationToken cancellationToken) =>
        CallAsync(c => c.AppendLogsAsync(jobId, token, rank, chunks, resent, flush, cancellationToken), cancellationToken);

    private async Task<T> CallAsync<T>(Func<FabricClient, Task<T>> call, CancellationToken cancellationToken)
    {
        var lease = await connection.GetAsync(cancellationToken);
        try
        {
            return await call(lease.Client);
        }
        catch (Exception e) when (FabricClient.IsUnreachable(e) || e is ObjectDisposedException)
        {
            connection.ReportBroken(lease.Generation, e);
            throw e as FabricUnreachableException ?? new FabricUnreachableException($"Fabric stopped answering: {WorkerConnection.Reason(e)}", e);
        }
    }
}

/// <summary>A device this worker serves, as work needs it: its id, its GPU index, and its current session.</summary>
public sealed record ServedDevice(string DeviceId, int GpuIndex, Func<Guid?> Session);

/// <summary>
/// Runs the work Fabric assigns to this worker's devices. Attaches each device's session to one inbox (a random id per
/// worker run), long-polls the inbox, starts and stops rank processes through a <see cref="JobRunner"/>, and reports
/// starts, exits and output back to each job, authenticated by the order's token. When the inbox was lost (a silo
/// failed) or a device reconnected, it re-attaches and catches up on the device's current orders; processes already
/// running are found by the runner and not started twice.
/// </summary>
public sealed partial class WorkAgent : IJobLogSink, IAsyncDisposable
{
    /// <summary>How long one poll waits; below the client's response timeout.</summary>
    public static readonly TimeSpan PollWait = TimeSpan.FromSeconds(10);

    /// <summary>Output a job has not stored after this long is sent again (its silo may have died before writing it).</summary>
    public static readonly TimeSpan ResendUnstoredAfter = TimeSpan.FromSeconds(3);

    /// <summary>Chunks of one rank kept until its job has stored them (up to 4 MiB of output).</summary>
    private const int OutboxCapacity = 256;

    private readonly IWorkApi _api;
    private readonly IReadOnlyList<ServedDevice> _devices;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly JobRunner _runner;
    private readonly string _inbox = $"worker-{Guid.NewGuid():N}";
    private readonly string _address;
    private readonly ConcurrentDictionary<string, Guid> _attached = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Job, int Rank, int Attempt), WorkOrder> _orders = new();
    private readonly ConcurrentDictionary<(string Job, int Rank, int Attempt), RankOutbox> _outboxes = new();
    private readonly ConcurrentDictionary<(string Job, int Rank, int Attempt), Task> _following = new();
    // Cancelled only once the worker stops, and then after the runner's drain limit: a rank's last output and exit
    // are sent through outages while the worker runs, and for a few seconds more when it stops.
    private readonly CancellationTokenSource _drain;
    private readonly TimeSpan _drainLimit;
    private volatile bool _stopping;
    private Guid _epoch;
    private long _cursor;
    private int _resending;

    public WorkAgent(IWorkApi api, IReadOnlyList<ServedDevice> devices, JobRunnerOptions runner, TimeProvider time, ILogger logger, string? address = null)
    {
        _api = api;
        _devices = devices;
        _time = time;
        _logger = logger;
        _runner = new JobRunner(runner, this, time, logger);
        _address = address ?? LocalAddress();
        _drain = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        _drainLimit = runner.StopDrainLimit;
    }

    /// <summary>Where other ranks reach this machine.</summary>
    public string Address => _address;

    /// <summary>Processes running now.</summary>
    public IReadOnlyList<JobProcess> Running => _runner.Running();

    /// <summary>Polls and runs orders until cancelled; outages are waited out by the connection.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await AttachAllAsync(force: false, cancellationToken);
                var batch = await _api.PollAsync(_inbox, _epoch, _cursor, PollWait, cancellationToken);
                if (batch.Epoch != _epoch)
                {
                    // A new inbox: everything attached to the old one must attach again, and catch up.
                    _epoch = batch.Epoch;
                    _cursor = batch.Cursor;
                    _attached.Clear();
                    continue;
                }

                _cursor = batch.Cursor;
                // Ranks start side by side (a process start and its report take milliseconds each); the orders of one
                // rank keep their order, so a stop never overtakes the start it stops.
                await Task.WhenAll(batch.Orders.GroupBy(o => (o.JobId, o.Rank)).Select(async rank =>
                {
                    foreach (var order in rank)
                    {
                        await ApplyAsync(order, cancellationToken);
                    }
                }));

                ResendUnstored(cancellationToken);
                failures = 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures++;
                var delay = RetryBackoff.Delay(failures, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));
                LogPollFailed(_logger, WorkerConnection.Reason(e), delay.TotalSeconds);
                _attached.Clear();
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Attaches every device whose session is new to this inbox, and starts what they should be running.</summary>
    public async Task AttachAllAsync(bool force, CancellationToken cancellationToken)
    {
        foreach (var device in _devices)
        {
            if (device.Session() is not { } session || (!force && _attached.TryGetValue(device.DeviceId, out var known) && known == session))
            {
                continue;
            }

            var current = await _api.AttachAsync(device.DeviceId, session, _inbox, _address, cancellationToken);
            _attached[device.DeviceId] = session;
            foreach (var order in current)
            {
                await ApplyAsync(order, cancellationToken);
            }
        }
    }

    /// <summary>Carries out one order: start a rank (once) or stop it.</summary>
    public async Task ApplyAsync(WorkOrder order, CancellationToken cancellationToken)
    {
        if (order.Kind == WorkKind.Stop)
        {
            if (_runner.Find(order.JobId, order.Rank) is { } running && running.Launch.RestartCount == order.Attempt - 1)
            {
                LogStopping(_logger, order.JobId, order.Rank);
                await running.KillAsync();
            }

            return;
        }

        var device = _devices.FirstOrDefault(d => d.DeviceId == order.DeviceId);
        if (device is null || order.Command.Count == 0)
        {
            return;
        }

        var key = (order.JobId, order.Rank, order.Attempt);
        if (!_orders.TryAdd(key, order))
        {
            return; // already started (or starting) on this worker
        }

        var launch = new JobLaunch
        {
            JobId = order.JobId,
            ClusterId = order.ClusterId,
            Rank = order.Rank,
            WorldSize = order.WorldSize,
            MasterAddr = order.MasterAddr,
            MasterPort = order.MasterPort,
            RestartCount = order.Attempt - 1,
            GpuIndices = [device.GpuIndex],
            Program = order.Command[0],
            Arguments = [.. order.Command.Skip(1)],
        };
        var started = await _runner.LaunchAsync(launch);
        var report = new RankReport { JobId = order.JobId, Rank = order.Rank, Attempt = order.Attempt, Event = RankEvent.Started };
        if (!started.Started)
        {
            _orders.TryRemove(key, out _);
            await ReportQuietlyAsync(order.ReportToken, report with { Event = RankEvent.StartFailed, Message = started.Failure }, cancellationToken);
            return;
        }

        var process = started.Process;
        LogStarted(_logger, order.JobId, order.Rank, order.Attempt, process.ProcessId);
        await ReportQuietlyAsync(order.ReportToken, report with { Pid = process.ProcessId }, cancellationToken);
        var following = FollowAsync(order, process);
        _following[key] = following;
        if (following.IsCompleted)
        {
            _following.TryRemove(key, out _);
        }
    }

    async ValueTask IJobLogSink.WriteAsync(JobLaunch launch, LogChunk chunk, CancellationToken cancellationToken)
    {
        if (!_orders.TryGetValue((launch.JobId, launch.Rank, launch.RestartCount + 1), out var order))
        {
            return;
        }

        var text = chunk.DroppedBytes > 0 ? $"[fabric: {chunk.DroppedBytes} bytes of output dropped]\n" : chunk.Text;
        var converted = new FabricChunk
        {
            Sequence = chunk.Sequence,
            Rank = launch.Rank,
            Stream = chunk.Stream == LogSource.Stderr ? OutputSource.Stderr : OutputSource.Stdout,
            Text = text,
            At = _time.GetUtcNow(),
        };
        // The factory's state is passed, not captured: this runs for every chunk, and the outbox exists but once.
        var outbox = _outboxes.GetOrAdd((launch.JobId, launch.Rank, launch.RestartCount + 1), static (_, state) => new RankOutbox(
            (chunks, resent, flush, ct) => state.Api.AppendLogsAsync(state.Order.JobId, state.Order.ReportToken, state.Order.Rank, chunks, resent, flush, ct),
            OutboxCapacity, state.Time), (Api: _api, Order: order, Time: _time));
        await outbox.SendAsync(converted, cancellationToken);
    }

    /// <summary>
    /// Kills the running ranks, and gives their last output a few seconds to reach their jobs. Called once polling has
    /// stopped, before the worker signs its devices off.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _drain.CancelAfter(_drainLimit);
        await _runner.DisposeAsync();
        await Task.WhenAll(_following.Values).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _drain.Dispose();
    }

    private async Task FollowAsync(WorkOrder order, JobProcess process)
    {
        var cancellationToken = _drain.Token;
        try
        {
            var exit = await process.Completion;
            LogExited(_logger, order.JobId, order.Rank, exit.ExitCode, exit.Killed);
            await StoreOutputQuietlyAsync(order, cancellationToken);
            if (exit.Killed && _stopping)
            {
                // Killed because this worker stops, not because the rank failed: reported as an exit, it would fail
                // the job. The device's sign-off, next, tells the job the rank was lost, and it restarts elsewhere.
                return;
            }

            await ReportQuietlyAsync(order.ReportToken, new RankReport
            {
                JobId = order.JobId,
                Rank = order.Rank,
                Attempt = order.Attempt,
                Event = RankEvent.Exited,
                ExitCode = exit.ExitCode,
                Message = exit.Killed ? "killed" : null,
            }, cancellationToken);
        }
        finally
        {
            _following.TryRemove((order.JobId, order.Rank, order.Attempt), out _);
        }
    }

    /// <summary>
    /// Has the job store the exited rank's output it has not stored yet (sending again what it lacks), retrying through
    /// outages, before the exit is reported: the rank's output is then kept whatever happens to the job's silo. Once
    /// the job has answered, what it could not write yet (its storage failing) it writes on its own timer.
    /// </summary>
    private async Task StoreOutputQuietlyAsync(WorkOrder order, CancellationToken cancellationToken)
    {
        if (_outboxes.TryRemove((order.JobId, order.Rank, order.Attempt), out var outbox))
        {
            await CallQuietlyAsync(() => outbox.ResendAsync(flush: true, cancellationToken), "Output", order.JobId, order.Rank, cancellationToken);
        }
    }

    /// <summary>
    /// Sends again, in the background, the output of running ranks that their jobs have not stored for a while: a job
    /// whose silo is down must not hold up the poll for new orders. One round at a time.
    /// </summary>
    private void ResendUnstored(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _resending, 1, 0) == 0)
        {
            _ = ResendUnstoredAsync(cancellationToken);
        }
    }

    private async Task ResendUnstoredAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ResendUnstoredOnceAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The worker is stopping.
        }
        finally
        {
            Volatile.Write(ref _resending, 0);
        }
    }

    private async Task ResendUnstoredOnceAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var ((jobId, rank, _), outbox) in _outboxes)
        {
            if (outbox.Unstored == 0 || now - outbox.LastAck < ResendUnstoredAfter)
            {
                continue;
            }

            try
            {
                await outbox.ResendAsync(flush: false, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogResendFailed(_logger, jobId, rank, WorkerConnection.Reason(e));
            }
        }
    }

    /// <summary>Reports, retrying through outages; a refusal (the job moved on) is logged and dropped.</summary>
    private Task ReportQuietlyAsync(Guid token, RankReport report, CancellationToken cancellationToken) =>
        CallQuietlyAsync(() => _api.ReportAsync(token, report, cancellationToken), "Report", report.JobId, report.Rank, cancellationToken);

    /// <summary>
    /// Makes a call about a rank, retrying through outages (20 tries, with backoff). A refusal (the job moved on) and
    /// the last failure are logged, and the call is given up: the rank's other calls go on.
    /// </summary>
    private async Task CallQuietlyAsync(Func<Task> call, string what, string jobId, int rank, CancellationToken cancellationToken)
    {
        for (var attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await call();
                return;
            }
            catch (FabricRejectedException e)
            {
                LogCallRefused(_logger, what, jobId, rank, e.Message);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (attempt >= 20)
                {
                    LogCallGivenUp(_logger, what, jobId, rank, WorkerConnection.Reason(e));
                    return;
                }

                await Task.Delay(RetryBackoff.Delay(attempt, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5)), _time, cancellationToken)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>This machine's first usable IPv4 address (what other ranks dial), or loopback when it has none.</summary>
    private static string LocalAddress()
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            foreach (var address in nic.GetIPProperties().UnicastAddresses)
            {
                if (address.Address.AddressFamily == AddressFamily.InterNetwork)
                {
                    return address.Address.ToString();
                }
            }
        }

        return "127.0.0.1";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Work inbox poll failed: {Reason}; retrying in {Seconds:0.#} s")]
    private static partial void LogPollFailed(ILogger logger, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} rank {Rank} attempt {Attempt} started: pid {Pid}")]
    private static partial void LogStarted(ILogger logger, string jobId, int rank, int attempt, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} rank {Rank} exited with code {ExitCode} (killed: {Killed})")]
    private static partial void LogExited(ILogger logger, string jobId, int rank, int exitCode, bool killed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping job {JobId} rank {Rank}")]
    private static partial void LogStopping(ILogger logger, string jobId, int rank);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} for job {JobId} rank {Rank} refused: {Reason}")]
    private static partial void LogCallRefused(ILogger logger, string what, string jobId, int rank, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} for job {JobId} rank {Rank} given up after 20 tries: {Reason}")]
    private static partial void LogCallGivenUp(ILogger logger, string what, string jobId, int rank, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Output of job {JobId} rank {Rank} not sent again yet: {Reason}")]
    private static partial void LogResendFailed(ILogger logger, string jobId, int rank, string reason);

}
