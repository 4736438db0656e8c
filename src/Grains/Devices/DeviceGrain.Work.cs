using Fabric.Clusters;
using Fabric.Jobs;
using Fabric.Persistence;
using Microsoft.Extensions.Logging;
using static Fabric.Rejections;

namespace Fabric.Devices;

// Rentals: leases (in memory, expiring), the committed assignment (persisted), and the orders a renting cluster's jobs
// send to the worker. Kept apart from the supply side of the grain, which it touches only through the status.
public sealed partial class DeviceGrain
{
    private const int WorkKept = 50;

    private PendingLease? _lease;
    private IGrainTimer? _leaseTimer;

    // Start orders dispatched during this activation; storage keeps only which ranks run (see DeviceOrdersState).
    private readonly Dictionary<(string JobId, int Rank), WorkOrder> _orders = [];

    public async Task<LeaseReply> ReserveAsync(string clusterId, int rank, TimeSpan ttl)
    {
        var now = time.GetUtcNow();
        if (RefusalFor(clusterId, now) is { } refused)
        {
            return refused;
        }

        _lease = new PendingLease(Guid.NewGuid(), clusterId, rank, now + ttl, System.Diagnostics.Stopwatch.GetTimestamp(), ttl);
        // One timer per activation, re-armed per lease: registering a timer per lease was 5% of a gang placement.
        _leaseTimer ??= this.RegisterGrainTimer(ExpireLeaseAsync, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        _leaseTimer.Change(ttl, Timeout.InfiniteTimeSpan);
        await PublishAsync();
        return Granted(_lease.Id);
    }

    public async Task<bool> CommitAsync(Guid leaseId)
    {
        var now = time.GetUtcNow();
        if (_lease is not { } lease || lease.Id != leaseId || lease.Expires <= now || Device is not { Status: DeviceStatus.Online })
        {
            return false;
        }

        ClearLease();
        await RentAsync(lease.ClusterId, lease.Rank, now);
        return true;
    }

    public async Task<LeaseReply> ClaimAsync(string clusterId, int rank)
    {
        var now = time.GetUtcNow();
        if (RefusalFor(clusterId, now) is { } refused)
        {
            return refused;
        }

        ClearLease();
        await RentAsync(clusterId, rank, now);
        return Granted(Guid.Empty);
    }

    /// <summary>Why this device cannot be leased to <paramref name="clusterId"/> now; null when it can.</summary>
    private LeaseReply? RefusalFor(string clusterId, DateTimeOffset now)
    {
        if (Device is not { } device)
        {
            return Refused("unknown device");
        }

        if (state.State.Assignment is { } assignment)
        {
            return Refused($"rented to cluster {assignment.ClusterId}");
        }

        if (_lease is { } held && held.Expires > now && held.ClusterId != clusterId)
        {
            return Refused("reserved by another cluster");
        }

        if (device.Status != DeviceStatus.Online)
        {
            return Refused($"device is {device.Status}");
        }

        // Liveness is the shard's to judge (it takes the heartbeats, and its sweep turns a silent Online device
        // Unhealthy); without an open session there is certainly no worker to run anything.
        return state.State.Session == Guid.Empty ? Refused("no worker connected") : null;
    }

    /// <summary>The rental: persisted, the device Busy in its shard.</summary>
    private async Task RentAsync(string clusterId, int rank, DateTimeOffset now)
    {
        var assignment = new DeviceAssignment { ClusterId = clusterId, Rank = rank, Since = now };
        var work = BoundedWork(state.State.Work.Add(new WorkRecord { ClusterId = clusterId, Rank = rank, From = now }));
        await SaveAsync(Device!, DeviceStatus.Busy, $"rented to cluster {clusterId} (rank {rank})",
            s => s with { Assignment = assignment, Work = work });
    }

    private LeaseReply Granted(Guid leaseId) => new()
    {
        Granted = true,
        LeaseId = leaseId,
        Owner = Device!.Owner,
        Model = Device.Spec.Model,
        Region = Device.Spec.Region,
        PricePerHour = Device.Spec.PricePerHourBaseUnits,
        WorkerAddress = state.State.WorkerAddress ?? "",
    };

    public async Task ReleaseAsync(string clusterId, string reason)
    {
        if (_lease is { } lease && lease.ClusterId == clusterId)
        {
            ClearLease();
            await PublishAsync();
        }

        if (state.State.Assignment is not { } assignment || assignment.ClusterId != clusterId || Device is not { } device)
        {
            return;
        }

        var stops = await CurrentOrdersAsync();
        var now = time.GetUtcNow();
        var work = state.State.Work;
        var open = work.FindLastIndex(w => w.ClusterId == clusterId && w.To is null);
        if (open >= 0)
        {
            work = work.SetItem(open, work[open] with { To = now, Outcome = reason, Jobs = work[open].Jobs + StartedIn(clusterId) });
        }

        var status = device.Status == DeviceStatus.Busy ? DeviceStatus.Online : device.Status;
        await SaveAsync(device, status, $"rental by cluster {clusterId} ended: {reason}",
            s => s with { Assignment = null, Work = work });
        if (orders.State.Orders.Count > 0 || orders.State.ClusterId is not null)
        {
            await orders.WriteAsync(new DeviceOrdersState());
        }

        _orders.Clear();

        foreach (var start in stops)
        {
            await DeliverAsync(start with { Kind = WorkKind.Stop });
        }

        grains.Get<ISchedulerGrain>(ISchedulerGrain.NetworkKey).NudgeAsync().Ignore();
    }

    public async Task DispatchAsync(WorkOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (state.State.Assignment is not { } assignment || assignment.ClusterId != order.ClusterId)
        {
            throw new FabricRejectedException($"Device '{this.GetPrimaryKeyString()}' is not rented to cluster {order.ClusterId}.");
        }

        var current = orders.State.Orders.RemoveAll(o => o.JobId == order.JobId && o.Rank == order.Rank);
        var started = StartedIn(order.ClusterId);
        if (order.Kind == WorkKind.Start)
        {
            current = current.Add(new OrderRef { JobId = order.JobId, Rank = order.Rank });
            started++;
        }

        await orders.WriteAsync(new DeviceOrdersState { Orders = current, ClusterId = order.ClusterId, JobsStarted = started });
        if (order.Kind == WorkKind.Start)
        {
            _orders[(order.JobId, order.Rank)] = order;
        }
        else
        {
            _orders.Remove((order.JobId, order.Rank));
        }

        await DeliverAsync(order);
    }

    public async Task ForgetOrderAsync(string jobId, int rank)
    {
        var current = orders.State.Orders.RemoveAll(o => o.JobId == jobId && o.Rank == rank);
        if (current.Count != orders.State.Orders.Count)
        {
            await orders.WriteAsync(orders.State with { Orders = current });
        }

        _orders.Remove((jobId, rank));
    }

    public async Task RateAsync(string clusterId, int stars)
    {
        if (Device is not { } device || stars is < 1 or > 5 || state.State.RatedBy.Contains(clusterId))
        {
            return;
        }

        // An exponential average: recent rentals count most, one bad rating cannot sink a long record.
        var reputation = (int)Math.Round(device.Reputation * 0.8 + stars * 20 * 0.2, MidpointRounding.AwayFromZero);
        var rated = state.State.RatedBy.Add(clusterId);
        await WriteStateAsync(s => s with
        {
            Device = s.Device! with { Reputation = Math.Clamp(reputation, 0, 100) },
            RatedBy = rated.Count > WorkKept ? rated.RemoveRange(0, rated.Count - WorkKept) : rated,
        });
        await PublishAsync();
    }

    public async Task<IReadOnlyList<WorkOrder>> AttachWorkerAsync(Guid session, string inbox, string address)
    {
        RequireSession(session);
        Require(!string.IsNullOrWhiteSpace(inbox) && inbox.Length <= 128, "A worker inbox id is 1 to 128 characters.");
        Require(address is { Length: <= 128 }, "A worker address is at most 128 characters.");
        if (state.State.WorkerInbox != inbox || state.State.WorkerAddress != address)
        {
            await WriteStateAsync(s => s with { WorkerInbox = inbox, WorkerAddress = address });
        }

        return await CurrentOrdersAsync();
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A device stored before orders were kept apart, as references: move its orders over once.
        if (state.State.Orders.Count > 0)
        {
            if (orders.State.Orders.Count == 0)
            {
                await orders.WriteAsync(new DeviceOrdersState
                {
                    Orders = [.. state.State.Orders.Select(o => new OrderRef { JobId = o.JobId, Rank = o.Rank })],
                    ClusterId = state.State.Assignment?.ClusterId,
                });
            }

            foreach (var order in state.State.Orders)
            {
                _orders[(order.JobId, order.Rank)] = order;
            }

            await state.WriteAsync(state.State with { Orders = [] });
        }
    }

    /// <summary>
    /// The start orders of the ranks this device runs: those dispatched during this activation from memory, the others
    /// (after a collection or a silo failover) from their jobs, which also drop a rank that ended meanwhile.
    /// </summary>
    private async Task<List<WorkOrder>> CurrentOrdersAsync()
    {
        var deviceId = this.GetPrimaryKeyString();
        var refs = orders.State.Orders;
        var missing = refs.Where(r => !_orders.ContainsKey((r.JobId, r.Rank))).ToList();
        var fetched = await Task.WhenAll(missing.Select(async r =>
        {
            try
            {
                return (Ref: r, Order: await grains.Get<IJobGrain>(r.JobId).OrderForAsync(deviceId, r.Rank), Failed: false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogOrderUnread(logger, deviceId, r.JobId, e.Message);
                return (Ref: r, Order: (WorkOrder?)null, Failed: true);
            }
        }));
        foreach (var (reference, order, _) in fetched)
        {
            if (order is not null)
            {
                _orders[(reference.JobId, reference.Rank)] = order;
            }
        }

        // Ranks their job no longer runs here are dropped; one whose job could not be asked is kept for next time.
        var gone = fetched.Where(f => f.Order is null && !f.Failed).Select(f => f.Ref).ToHashSet();
        if (gone.Count > 0)
        {
            await orders.WriteAsync(orders.State with { Orders = orders.State.Orders.RemoveAll(gone.Contains) });
        }

        return [.. orders.State.Orders.Select(r => _orders.GetValueOrDefault((r.JobId, r.Rank))).OfType<WorkOrder>()];
    }

    /// <summary>A rented device that went Offline: its cluster re-places the rank and stops paying for it.</summary>
    private void TellClusterLost(DateTimeOffset silentSince, string reason)
    {
        if (state.State.Assignment is { } assignment)
        {
            grains.Get<IClusterGrain>(assignment.ClusterId)
                .MemberLostAsync(this.GetPrimaryKeyString(), silentSince, reason).Ignore();
        }
    }

    private async Task DeliverAsync(WorkOrder order)
    {
        if (state.State.WorkerInbox is { } inbox)
        {
            try
            {
                await grains.Get<IWorkerInboxGrain>(inbox).DeliverAsync(order);
            }
            catch (Exception e) when (e is not FabricRejectedException)
            {
                // The order is kept in state: the worker gets it when it attaches again.
                LogDeliveryFailed(logger, order.DeviceId, order.JobId, e.Message);
            }
        }
    }

    private Task ExpireLeaseAsync(CancellationToken cancellationToken)
    {
        if (_lease is not { } lease)
        {
            return Task.CompletedTask;
        }

        // A lease taken after this tick was scheduled (or a tick that came early) is not due yet: wait for the rest.
        var left = lease.Ttl - System.Diagnostics.Stopwatch.GetElapsedTime(lease.TakenAt);
        if (left > TimeSpan.Zero && lease.Expires > time.GetUtcNow())
        {
            _leaseTimer?.Change(left, Timeout.InfiniteTimeSpan);
            return Task.CompletedTask;
        }

        ClearLease();
        return PublishAsync();
    }

    private void ClearLease()
    {
        _lease = null;
        _leaseTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private bool Leased => _lease is { } lease && lease.Expires > time.GetUtcNow();

    /// <summary>Jobs started in the rental by <paramref name="clusterId"/> that its work record does not count yet.</summary>
    private int StartedIn(string clusterId) => orders.State.ClusterId == clusterId ? orders.State.JobsStarted : 0;

    /// <summary>The rentals, the open one counting the jobs it started so far.</summary>
    private System.Collections.Immutable.ImmutableList<WorkRecord> WorkWithLiveCount(System.Collections.Immutable.ImmutableList<WorkRecord> work)
    {
        var open = orders.State.ClusterId is { } clusterId ? work.FindLastIndex(w => w.ClusterId == clusterId && w.To is null) : -1;
        return open >= 0 ? work.SetItem(open, work[open] with { Jobs = work[open].Jobs + orders.State.JobsStarted }) : work;
    }

    private static LeaseReply Refused(string why) => new() { Granted = false, Refusal = why };

    private static System.Collections.Immutable.ImmutableList<WorkRecord> BoundedWork(System.Collections.Immutable.ImmutableList<WorkRecord> work) =>
        work.Count > WorkKept ? work.RemoveRange(0, work.Count - WorkKept) : work;

    /// <summary>A lease; <paramref name="TakenAt"/> (a stopwatch timestamp) times it against the real-time timer.</summary>
    private sealed record PendingLease(Guid Id, string ClusterId, int Rank, DateTimeOffset Expires, long TakenAt, TimeSpan Ttl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} could not read the order of job {JobId}: {Reason}; it asks again next time")]
    private static partial void LogOrderUnread(ILogger logger, string deviceId, string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order for device {DeviceId}, job {JobId} not delivered: {Reason}; the worker gets it when it attaches")]
    private static partial void LogDeliveryFailed(ILogger logger, string deviceId, string jobId, string reason);
}
