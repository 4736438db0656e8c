using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;

namespace Fabric.Clusters;

/// <summary>
/// The placement queue. Orders waiting clusters by effective priority (their priority plus one level per
/// <see cref="RentalOptions.AgingStep"/> waited, so low priority never starves), then across renters by who was
/// served longest ago (one renter's thousand requests do not block another's one), then by submission time. Runs up to
/// <see cref="RentalOptions.MaxConcurrentPlacements"/> placements at once; a request that finds no capacity waits and
/// tries again when capacity appears (a nudge) or after <see cref="RentalOptions.RetryEvery"/>. Cheap requests wait
/// like the others but never hold up the queue. A deploying cluster whose turn is now is admitted: it places itself in
/// the deploy call instead of being called back. Kept in memory: clusters re-enqueue themselves from their reminder.
/// </summary>
[Reentrant]
public sealed partial class SchedulerGrain(
    IOptions<RentalOptions> options,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    GrainReferences grains,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain
{
    private readonly PlacementOrder _queue = new(options.Value.AgingStep);
    private long _placed;
    private bool _pumping;

    // Clusters placing themselves after an admission, with when they were admitted.
    private readonly Dictionary<string, DateTimeOffset> _admitted = new(StringComparer.Ordinal);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.RetryEvery;
        this.RegisterGrainTimer(_ => Retry(), new GrainTimerCreationOptions(every, every) { KeepAlive = true });
        return Task.CompletedTask;
    }

    public Task EnqueueAsync(QueueEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _queue.Add(entry);
        Pump();
        return Task.CompletedTask;
    }

    public Task<bool> AdmitAsync(QueueEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _queue.Add(entry);
        return Task.FromResult(Pump(asking: entry.ClusterId));
    }

    public Task AdmittedDoneAsync(string clusterId, bool placed)
    {
        // Unknown when the admission was taken back meanwhile, or this scheduler was activated again since.
        if (_admitted.Remove(clusterId))
        {
            Done(clusterId, placed);
        }

        return Task.CompletedTask;
    }

    public Task DequeueAsync(string clusterId)
    {
        _queue.Remove(clusterId);
        return Task.CompletedTask;
    }

    public Task NudgeAsync()
    {
        if (_queue.WakeAll())
        {
            Pump();
        }

        return Task.CompletedTask;
    }

    public Task<QueueView> ViewAsync(int take)
    {
        var order = _queue.Order(time.GetUtcNow()).Take(Math.Clamp(take, 0, 1000)).ToList();
        return Task.FromResult(new QueueView { Waiting = _queue.Count, Placing = _queue.Placing, Next = order, Placed = _placed });
    }

    public Task<int> PositionAsync(string clusterId)
    {
        var position = 0;
        foreach (var entry in _queue.Order(time.GetUtcNow()))
        {
            if (entry.ClusterId == clusterId)
            {
                return Task.FromResult(position);
            }

            position++;
        }

        return Task.FromResult(-1);
    }

    /// <summary>
    /// Starts placements while there is room and something ready to try. The cluster <paramref name="asking"/>, when its
    /// turn comes, is admitted (true) to place itself rather than called back.
    /// </summary>
    private bool Pump(string? asking = null)
    {
        if (_pumping)
        {
            return false;
        }

        _pumping = true;
        var admitted = false;
        try
        {
            var now = time.GetUtcNow();
            while (_queue.Placing < options.Value.MaxConcurrentPlacements && _queue.Next(now) is { } entry)
            {
                if (entry.ClusterId == asking)
                {
                    _admitted[entry.ClusterId] = now;
                    admitted = true;
                }
                else
                {
                    _ = PlaceAsync(entry);
                }
            }
        }
        finally
        {
            _pumping = false;
        }

        return admitted;
    }

    private async Task PlaceAsync(QueueEntry entry)
    {
        var placed = false;
        try
        {
            placed = await grains.Get<IClusterGrain>(entry.ClusterId).TryPlaceAsync();
        }
        catch (Exception e)
        {
            LogPlacementFailed(logger, entry.ClusterId, e.Message);
        }

        Done(entry.ClusterId, placed);
    }

    private void Done(string clusterId, bool placed)
    {
        _queue.Done(clusterId, placed);
        if (placed)
        {
            _placed++;
        }

        Pump();
    }

    private Task Retry()
    {
        // An admitted cluster that never reported (its silo died mid-placement) gives its slot back; its leases have
        // expired by then, and a try made again finds the cluster placed or places it.
        var now = time.GetUtcNow();
        foreach (var (clusterId, _) in _admitted.Where(a => now - a.Value > options.Value.LeaseTtl).ToList())
        {
            _admitted.Remove(clusterId);
            _queue.Done(clusterId, placed: false);
        }

        // Every waiting request tries again each tick (and on each nudge): capacity may have appeared unannounced.
        _queue.WakeAll();
        Pump();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Placement of cluster {ClusterId} failed: {Reason}; it waits for the next try")]
    private static partial void LogPlacementFailed(ILogger logger, string clusterId, string reason);
}
