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
/// like the others but never hold up the queue. Kept in memory: clusters re-enqueue themselves from their reminder.
/// </summary>
[Reentrant]
public sealed partial class SchedulerGrain(
    IOptions<RentalOptions> options,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    ILogger<SchedulerGrain> logger) : Grain, ISchedulerGrain
{
    private readonly PlacementOrder _queue = new(options.Value.AgingStep);
    private long _placed;
    private bool _pumping;

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

    /// <summary>Starts placements while there is room and something ready to try.</summary>
    private void Pump()
    {
        if (_pumping)
        {
            return;
        }

        _pumping = true;
        try
        {
            var now = time.GetUtcNow();
            while (_queue.Placing < options.Value.MaxConcurrentPlacements && _queue.Next(now) is { } entry)
            {
                _ = PlaceAsync(entry);
            }
        }
        finally
        {
            _pumping = false;
        }
    }

    private async Task PlaceAsync(QueueEntry entry)
    {
        var placed = false;
        try
        {
            placed = await GrainFactory.GetGrain<IClusterGrain>(entry.ClusterId).TryPlaceAsync();
        }
        catch (Exception e)
        {
            LogPlacementFailed(logger, entry.ClusterId, e.Message);
        }

        _queue.Done(entry.ClusterId, placed);
        if (placed)
        {
            _placed++;
        }

        Pump();
    }

    private Task Retry()
    {
        // Every waiting request tries again each tick (and on each nudge): capacity may have appeared unannounced.
        _queue.WakeAll();
        Pump();
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Placement of cluster {ClusterId} failed: {Reason}; it waits for the next try")]
    private static partial void LogPlacementFailed(ILogger logger, string clusterId, string reason);
}
