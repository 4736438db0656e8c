using Fabric.Client;
using Fabric.Devices;
using Fabric.Worker.Connection;
using Fabric.Worker.Devices;
using Fabric.Worker.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabric.Worker;

/// <summary>
/// Ties the worker together: connects (waiting out an unreachable cluster), measures latency, then runs one
/// <see cref="DeviceAgent"/> per GPU until stopped. With --once: connect, register and beat each GPU once, then stop.
/// </summary>
public sealed partial class WorkerService(
    WorkerPlan plan,
    WorkerConnection connection,
    IDeviceApi api,
    IWorkApi work,
    IChallengeSolver solver,
    IHeartbeatSource heartbeats,
    WorkerExit exit,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    IOptions<WorkerOptions> options) : BackgroundService
{
    // Signing off is a courtesy to renters: a stop must not hang on a cluster that no longer answers.
    private static readonly TimeSpan SignOffLimit = TimeSpan.FromSeconds(3);

    private readonly ILogger _logger = loggerFactory.CreateLogger<WorkerService>();
    private readonly WorkerOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var owner = plan.Owner.Address.ToString();
        LogStarting(_logger, plan.Gpus.Count, plan.Source.Simulated ? "simulated " : "", owner, connection.Where);
        if (plan.Price is null)
        {
            LogNoPrice(_logger);
        }

        if (plan.Region is null)
        {
            LogNoRegion(_logger, WorkerPlan.DefaultRegion);
        }

        var agents = new List<DeviceAgent>();
        try
        {
            // Bandwidth is not measured (a fair test would move real data through the gateway): reported as 0, "unknown".
            var latency = await connection.MeasureLatencyMsAsync(stoppingToken);
            var host = plan.Host with { LatencyMs = latency, BandwidthMbps = 0 };
            LogHost(_logger, host.CpuModel, host.CpuCores, host.RamMib, host.Os, latency);

            agents.AddRange(CreateAgents(plan, host, _options, api, solver, heartbeats, time, loggerFactory));

            if (_options.Once)
            {
                await RunOnceAsync(agents, stoppingToken);
            }
            else
            {
                await ServeAsync(agents, work, WorkDir(), _options.AdvertiseAddress, time, loggerFactory, stoppingToken, adoptLeftBehind: true);
                if (!stoppingToken.IsCancellationRequested)
                {
                    LogAllRemoved(_logger);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (FabricClient.IsUnreachable(e))
        {
            var reason = WorkerConnection.Reason(e);
            LogFatal(_logger, reason);
            exit.Code = WorkerExitCodes.Unreachable;
        }
        catch (Exception e) when (e is FabricRejectedException or WorkerSetupException)
        {
            LogFatal(_logger, e.Message);
            exit.Code = WorkerExitCodes.BadSetup;
        }
#pragma warning disable CA1031 // The service's last line: one clear line and exit code 1, not a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var reason = $"{e.GetType().Name}: {e.Message}";
            LogFatal(_logger, reason);
            exit.Code = WorkerExitCodes.BadSetup;
        }
        finally
        {
            if (stoppingToken.IsCancellationRequested)
            {
                LogStopping(_logger, agents.Count);
                using var limit = new CancellationTokenSource(SignOffLimit);
                await Task.WhenAll(agents.Select(a => a.SignOffAsync(limit.Token)));
            }

            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }

            if (!stoppingToken.IsCancellationRequested)
            {
                lifetime.StopApplication();
            }
        }
    }

    /// <summary>One <see cref="DeviceAgent"/> per GPU of <paramref name="plan"/>, set up as the worker serves them.</summary>
    /// <param name="plan">What to serve.</param>
    /// <param name="host">The machine, latency measured.</param>
    /// <param name="options">Retry delays; --once (connect and beat only, no challenge work).</param>
    /// <param name="api">Device calls.</param>
    /// <param name="solver">Answers verification challenges.</param>
    /// <param name="heartbeats">What each heartbeat says.</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggerFactory">Where the agents log.</param>
    public static IReadOnlyList<DeviceAgent> CreateAgents(
        WorkerPlan plan, HostInfo host, WorkerOptions options, IDeviceApi api, IChallengeSolver solver, IHeartbeatSource heartbeats,
        TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return
        [
            .. plan.Gpus.Select(gpu => new DeviceAgent(
                new DeviceAgentSettings
                {
                    Owner = plan.Owner,
                    Spec = plan.SpecFor(gpu, host),
                    Price = plan.Price,
                    Region = plan.Region,
                    // The solver hashes on the CPU: a real GPU gets every core, a simulated one a single thread.
                    SolverParallelism = plan.Source.Simulated ? 1 : Environment.ProcessorCount,
                    AnswerChallenges = !options.Once,
                    RetryDelay = options.RetryDelay,
                    MaxRetryDelay = options.MaxRetryDelay,
                },
                api,
                solver,
                heartbeats,
                time,
                loggerFactory.CreateLogger<DeviceAgent>())),
        ];
    }

    /// <summary>
    /// Serves <paramref name="agents"/> (one machine's GPUs) until cancelled or every device is removed: each agent
    /// heartbeats and answers challenges, and one <see cref="WorkAgent"/> for the machine (one inbox, one waiting poll,
    /// however many GPUs) runs the jobs Fabric assigns, in folders under <paramref name="workRoot"/>. The job processes
    /// still running are stopped (their whole trees) before it returns. <paramref name="adoptLeftBehind"/> makes this
    /// process the one that adopts and kills what ranks leave running (<see cref="JobRunnerOptions.AdoptLeftBehind"/>):
    /// for a process that serves one worker only, as the demo's several workers in one silo do not.
    /// </summary>
    public static async Task ServeAsync(
        IReadOnlyList<DeviceAgent> agents, IWorkApi work, string workRoot, string? advertiseAddress, TimeProvider time,
        ILoggerFactory loggerFactory, CancellationToken stoppingToken, bool adoptLeftBehind = false)
    {
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        await using var runner = new WorkAgent(work,
            [.. agents.Select((a, i) => new ServedDevice(a.DeviceId, i, () => a.Session))],
            new JobRunnerOptions { WorkRoot = workRoot, AdoptLeftBehind = adoptLeftBehind }, time, loggerFactory.CreateLogger<WorkAgent>(), advertiseAddress);
        using var stopWork = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var working = runner.RunAsync(stopWork.Token);
        await Task.WhenAll(agents.Select(a => a.RunAsync(stoppingToken)));
        await stopWork.CancelAsync();
        await working;
    }

    private string WorkDir() => _options.WorkDir is { Length: > 0 } dir
        ? Path.GetFullPath(dir)
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "fabric-worker", "work");

    private async Task RunOnceAsync(IReadOnlyList<DeviceAgent> agents, CancellationToken cancellationToken)
    {
        await Task.WhenAll(agents.Select(async agent =>
        {
            _ = await agent.ConnectAsync(cancellationToken)
                ?? throw new FabricRejectedException($"Device {agent.DeviceId} was removed by its owner while connecting.");
            var beat = await heartbeats.ReadAsync(agent.GpuUuid, cancellationToken);
            var reply = await agent.BeatAsync(beat, cancellationToken)
                        ?? throw new FabricRejectedException($"Fabric refused the heartbeat of device {agent.DeviceId} right after connecting.");
            LogOnce(_logger, agent.DeviceId, reply.Status);
        }));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "fabric-worker: serving {Count} {Kind}GPU(s) for {Owner}, reporting to {Where}")]
    private static partial void LogStarting(ILogger logger, int count, string kind, string owner, string where);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "No --price given: devices registered now are listed at 0 IOSD per GPU-hour (set it with --price IOSD_PER_HOUR)")]
    private static partial void LogNoPrice(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No --region given: devices registered now are listed in region '{Region}'")]
    private static partial void LogNoRegion(ILogger logger, string region);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Host: {Cpu}, {Cores} cores, {RamMib} MiB RAM, {Os}; latency to Fabric {LatencyMs} ms (bandwidth not measured)")]
    private static partial void LogHost(ILogger logger, string cpu, int cores, long ramMib, string os, int latencyMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} is {Status} (--once: done)")]
    private static partial void LogOnce(ILogger logger, string deviceId, DeviceStatus status);

    [LoggerMessage(Level = LogLevel.Information, Message = "fabric-worker stopping: {Count} device(s) sign off (Offline now; a cluster renting one moves its rank elsewhere)")]
    private static partial void LogStopping(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Every device was removed by its owner; stopping")]
    private static partial void LogAllRemoved(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "fabric-worker stops: {Reason}")]
    private static partial void LogFatal(ILogger logger, string reason);
}
