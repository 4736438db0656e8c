using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Fabric.Devices;

/// <summary>
/// One shard of the pool index. Takes its devices' heartbeats (in memory; the device grain hears of one only when it
/// must act, so an idle device grain can be collected), answers queries from memory; stores its summaries coalesced: a change only moves the
/// index's version, and a timer writes the whole shard at most every <see cref="WriteEvery"/> (and on deactivation),
/// never once per upsert. A silo that dies loses at most the last few seconds of changes, which devices re-send on
/// their next change. Sweeps its devices for silence every <see cref="PoolOptions.SweepInterval"/>.
/// </summary>
/// <remarks>
/// Reentrant: a sweep awaits <see cref="IDeviceGrain.MarkSilentAsync"/> and a heartbeat may await
/// <see cref="IDeviceGrain.ForwardedHeartbeatAsync"/>, and a device grain answers those by upserting its new summary
/// here; without reentrancy the two would wait on each other. Every change to the index happens
/// between awaits, so interleaving cannot tear it; writes are chained so that they never overlap.
/// </remarks>
[Reentrant]
public sealed partial class PoolShardGrain(
    [PersistentState("pool-shard", "fabric")] IPersistentState<PoolShardState> state,
    IOptions<PoolOptions> options,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    GrainReferences grains,
    ILogger<PoolShardGrain> logger) : Grain, IPoolShardGrain
{
    /// <summary>Longest a change waits in memory before it is written.</summary>
    public static readonly TimeSpan WriteEvery = TimeSpan.FromSeconds(3);

    /// <summary>Most device grains one sweep tells at once.</summary>
    private const int SweepFanOut = 256;

    private static readonly PoolShardState Written = new();

    /// <summary>The reply to a heartbeat the shard answers itself, by status: one shared instance each (replies are immutable).</summary>
    private static readonly HeartbeatReply[] Replies =
        [.. Enumerable.Range(0, Enum.GetValues<DeviceStatus>().Max(s => (int)s) + 1).Select(s => new HeartbeatReply { Status = (DeviceStatus)s, Challenge = null })];

    private readonly PoolShardIndex _index = new() { UptimeGap = options.Value.UnhealthyAfter };
    private long _shard;
    private long _storedVersion;
    private Task _lastWrite = Task.CompletedTask;
    private Task? _addsFlush;

    /// <summary>How long new devices wait to share one write of the shard.</summary>
    public static readonly TimeSpan AddsFlushDelay = TimeSpan.FromMilliseconds(100);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _shard = this.GetPrimaryKeyLong();
        _index.Load(state.State.Devices, time.GetUtcNow());
        _storedVersion = _index.Version;
        state.State = Written; // the index holds the summaries; don't keep a second list of them
        LogLoaded(logger, _shard, _index.Count);

        this.RegisterGrainTimer(WriteTickAsync, new GrainTimerCreationOptions(WriteEvery, WriteEvery));
        var sweep = options.Value.SweepInterval;
        // The sweep keeps the shard active: liveness must not stop because nobody queried lately.
        this.RegisterGrainTimer(SweepTickAsync, new GrainTimerCreationOptions(sweep, sweep) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWriteFailed(logger, _shard, _index.Count, e.Message);
        }
    }

    public async Task UpsertAsync(DeviceSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var added = !_index.Contains(summary.Id);
        _index.Upsert(summary, time.GetUtcNow());
        if (added)
        {
            // A new device is durable before its registration returns (a device that registers and stays quiet would
            // never re-send it), yet many registrations share one write: they all wait for the next batched flush.
            await (_addsFlush ??= FlushAddsAsync());
        }
    }

    public async Task RemoveAsync(string deviceId)
    {
        if (_index.Remove(deviceId))
        {
            await (_addsFlush ??= FlushAddsAsync());
        }
    }

    public Task TouchAsync(DeviceSummary summary, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var now = time.GetUtcNow();
        _index.Upsert(summary, now);
        _index.Touch(summary.Id, at, now);
        return Task.CompletedTask;
    }

    public async Task OpenSessionAsync(DeviceSummary summary, Guid session, DateTimeOffset wakeAt)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var added = !_index.Contains(summary.Id);
        var now = time.GetUtcNow();
        _index.Upsert(summary, now);
        _index.OpenSession(summary.Id, session, wakeAt, now);
        if (added)
        {
            // The shard had lost this device (a crash before its write): make it durable again, as a registration does.
            await (_addsFlush ??= FlushAddsAsync());
        }
    }

    public async Task<HeartbeatReply> HeartbeatAsync(string deviceId, Guid session, Heartbeat beat)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        ArgumentNullException.ThrowIfNull(beat);
        if (!_index.Beat(deviceId, session, beat, time.GetUtcNow(), out var status))
        {
            return Replies[(int)status];
        }

        // The device grain must act: hand it the beat and the traffic counted meanwhile, and learn when it next must.
        var (bytesIn, bytesOut) = _index.TakeTraffic(deviceId);
        ForwardedBeatReply forwarded;
        try
        {
            forwarded = await grains.Get<IDeviceGrain>(deviceId).ForwardedHeartbeatAsync(session, beat, bytesIn, bytesOut);
        }
        catch
        {
            _index.ReturnTraffic(deviceId, bytesIn, bytesOut);
            throw;
        }

        _index.SetWake(deviceId, session, forwarded.WakeAt);
        return forwarded.Reply;
    }

    public Task<DeviceLive> LivenessAsync(string deviceId) => Task.FromResult(_index.Liveness(deviceId));

    public async Task<int> SweepAsync()
    {
        var silent = _index.Sweep(time.GetUtcNow(), options.Value);
        if (silent.Count == 0)
        {
            return 0;
        }

        LogSwept(logger, _shard, silent.Count);
        // Tell the device grains, a bounded number at a time; one that fails is logged and the sweep goes on.
        for (var start = 0; start < silent.Count; start += SweepFanOut)
        {
            var batch = new Task[Math.Min(SweepFanOut, silent.Count - start)];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = TellAsync(silent[start + i]);
            }

            await Task.WhenAll(batch);
        }

        return silent.Count;
    }

    public Task<Page<DeviceSummary>> QueryAsync(PoolQuery query)
    {
        PoolFilter.Validate(query);
        return Task.FromResult(_index.Query(query));
    }

    public Task<int> CountAsync(PoolQuery query)
    {
        PoolFilter.Validate(query);
        return Task.FromResult(_index.CountMatches(query));
    }

    public Task<PoolCounts> CountsAsync() => Task.FromResult(_index.Counts());

    public Task<ShardUptime> UptimeAsync(DateTimeOffset hourStart, TierWeights weights) =>
        Task.FromResult(_index.Uptime(hourStart, weights));

    private async Task TellAsync(SilentDevice silent)
    {
        try
        {
            await grains.Get<IDeviceGrain>(silent.Summary.Id).MarkSilentAsync(silent.Summary.Status, silent.LastSeen);
        }
        catch (Exception e)
        {
            LogTellFailed(logger, silent.Summary.Id, silent.Summary.Status, e.Message);
        }
    }

    private async Task SweepTickAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SweepAsync();
        }
        catch (Exception e)
        {
            LogSweepFailed(logger, _shard, e.Message);
        }
    }

    private async Task WriteTickAsync(CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync();
        }
        catch (Exception e)
        {
            // The version stays unwritten, so the next tick tries again.
            LogWriteFailed(logger, _shard, _index.Count, e.Message);
        }
    }

    private async Task FlushAddsAsync()
    {
        await Task.Delay(AddsFlushDelay);
        _addsFlush = null; // devices added from here on wait for the next batch
        await FlushAsync();
    }

    /// <summary>Writes the shard if it changed since the last write; chained after any write in flight.</summary>
    private Task FlushAsync() => _lastWrite = WriteAfterAsync(_lastWrite);

    private async Task WriteAfterAsync(Task previous)
    {
        try
        {
            await previous;
        }
        catch (Exception)
        {
            // Whoever started that write reported its failure; this one writes the current contents anyway.
        }

        var version = _index.Version;
        if (version == _storedVersion)
        {
            return;
        }

        state.State = new PoolShardState { Devices = _index.Snapshot() };
        try
        {
            await state.WriteStateAsync();
            _storedVersion = version;
        }
        catch (InconsistentStateException)
        {
            // Another activation wrote this shard (a membership change). Take its etag so that the next tick replaces
            // what it wrote with this index; devices re-send anything either of them missed on their next change.
            await state.ReadStateAsync();
            throw;
        }
        finally
        {
            state.State = Written;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pool shard {Shard} loaded {Devices} devices")]
    private static partial void LogLoaded(ILogger logger, long shard, int devices);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pool shard {Shard} marked {Devices} silent devices")]
    private static partial void LogSwept(ILogger logger, long shard, int devices);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} was not told it is {Status}: {Reason}")]
    private static partial void LogTellFailed(ILogger logger, string deviceId, DeviceStatus status, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pool shard {Shard} sweep failed: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, long shard, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool shard {Shard} could not write its {Devices} devices: {Reason}; will retry")]
    private static partial void LogWriteFailed(ILogger logger, long shard, int devices, string reason);
}
