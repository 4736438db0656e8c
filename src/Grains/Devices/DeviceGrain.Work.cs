using Fabric.Clusters;
using Fabric.Jobs;
using Microsoft.Extensions.Logging;

namespace Fabric.Devices;

// Rentals: leases (in memory, expiring), the committed assignment (persisted), and the orders a renting cluster's jobs
// send to the worker. Kept apart from the supply side of the grain, which it touches only through the status.
public sealed partial class DeviceGrain
{
    private const int WorkKept = 50;

    private PendingLease? _lease;
    private IGrainTimer? _leaseTimer;

    public async Task<LeaseReply> ReserveAsync(string clusterId, int rank, TimeSpan ttl)
    {
        var now = time.GetUtcNow();
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
        if (state.State.Session == Guid.Empty)
        {
            return Refused("no worker connected");
        }

        _lease = new PendingLease(Guid.NewGuid(), clusterId, rank, now + ttl);
        _leaseTimer?.Dispose();
        _leaseTimer = this.RegisterGrainTimer(ExpireLeaseAsync, _lease.Id, new GrainTimerCreationOptions(ttl, Timeout.InfiniteTimeSpan));
        await PublishAsync();
        return new LeaseReply
        {
            Granted = true,
            LeaseId = _lease.Id,
            Owner = device.Owner,
            Model = device.Spec.Model,
            Region = device.Spec.Region,
            PricePerHour = device.Spec.PricePerHourBaseUnits,
            WorkerAddress = state.State.WorkerAddress ?? "",
        };
    }

    public async Task<bool> CommitAsync(Guid leaseId)
    {
        var now = time.GetUtcNow();
        if (_lease is not { } lease || lease.Id != leaseId || lease.Expires <= now || Device is not { Status: DeviceStatus.Online } device)
        {
            return false;
        }

        var assignment = new DeviceAssignment { ClusterId = lease.ClusterId, Rank = lease.Rank, Since = now };
        var work = BoundedWork(state.State.Work.Add(new WorkRecord { ClusterId = lease.ClusterId, Rank = lease.Rank, From = now }));
        ClearLease();
        await SaveAsync(device, DeviceStatus.Busy, $"rented to cluster {lease.ClusterId} (rank {lease.Rank})",
            s => s with { Assignment = assignment, Work = work, Orders = [] });
        return true;
    }

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

        var stops = state.State.Orders;
        var now = time.GetUtcNow();
        var work = state.State.Work;
        var open = work.FindLastIndex(w => w.ClusterId == clusterId && w.To is null);
        if (open >= 0)
        {
            work = work.SetItem(open, work[open] with { To = now, Outcome = reason });
        }

        var status = device.Status == DeviceStatus.Busy ? DeviceStatus.Online : device.Status;
        await SaveAsync(device, status, $"rental by cluster {clusterId} ended: {reason}",
            s => s with { Assignment = null, Orders = [], Work = work });
        foreach (var start in stops)
        {
            await DeliverAsync(start with { Kind = WorkKind.Stop });
        }

        GrainFactory.GetGrain<ISchedulerGrain>(ISchedulerGrain.NetworkKey).NudgeAsync().Ignore();
    }

    public async Task DispatchAsync(WorkOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (state.State.Assignment is not { } assignment || assignment.ClusterId != order.ClusterId)
        {
            throw new FabricRejectedException($"Device '{this.GetPrimaryKeyString()}' is not rented to cluster {order.ClusterId}.");
        }

        var orders = state.State.Orders.RemoveAll(o => o.JobId == order.JobId && o.Rank == order.Rank);
        var work = state.State.Work;
        if (order.Kind == WorkKind.Start)
        {
            orders = orders.Add(order);
            var open = work.FindLastIndex(w => w.ClusterId == order.ClusterId && w.To is null);
            if (open >= 0)
            {
                work = work.SetItem(open, work[open] with { Jobs = work[open].Jobs + 1 });
            }
        }

        await WriteStateAsync(s => s with { Orders = orders, Work = work });
        await DeliverAsync(order);
    }

    public async Task ForgetOrderAsync(string jobId, int rank)
    {
        var orders = state.State.Orders.RemoveAll(o => o.JobId == jobId && o.Rank == rank);
        if (orders.Count != state.State.Orders.Count)
        {
            await WriteStateAsync(s => s with { Orders = orders });
        }
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
        DeviceRules.Require(!string.IsNullOrWhiteSpace(inbox) && inbox.Length <= 128, "A worker inbox id is 1 to 128 characters.");
        DeviceRules.Require(address is { Length: <= 128 }, "A worker address is at most 128 characters.");
        if (state.State.WorkerInbox != inbox || state.State.WorkerAddress != address)
        {
            await WriteStateAsync(s => s with { WorkerInbox = inbox, WorkerAddress = address });
        }

        return state.State.Orders;
    }

    /// <summary>A rented device that went Offline: its cluster re-places the rank and stops paying for it.</summary>
    private void TellClusterLost(DateTimeOffset silentSince, string reason)
    {
        if (state.State.Assignment is { } assignment)
        {
            GrainFactory.GetGrain<IClusterGrain>(assignment.ClusterId)
                .MemberLostAsync(this.GetPrimaryKeyString(), silentSince, reason).Ignore();
        }
    }

    private async Task DeliverAsync(WorkOrder order)
    {
        if (state.State.WorkerInbox is { } inbox)
        {
            try
            {
                await GrainFactory.GetGrain<IWorkerInboxGrain>(inbox).DeliverAsync(order);
            }
            catch (Exception e) when (e is not FabricRejectedException)
            {
                // The order is kept in state: the worker gets it when it attaches again.
                LogDeliveryFailed(logger, order.DeviceId, order.JobId, e.Message);
            }
        }
    }

    private Task ExpireLeaseAsync(Guid leaseId, CancellationToken cancellationToken)
    {
        if (_lease?.Id != leaseId)
        {
            return Task.CompletedTask;
        }

        ClearLease();
        return PublishAsync();
    }

    private void ClearLease()
    {
        _lease = null;
        _leaseTimer?.Dispose();
        _leaseTimer = null;
    }

    private bool Leased => _lease is { } lease && lease.Expires > time.GetUtcNow();

    private static LeaseReply Refused(string why) => new() { Granted = false, Refusal = why };

    private static System.Collections.Immutable.ImmutableList<WorkRecord> BoundedWork(System.Collections.Immutable.ImmutableList<WorkRecord> work) =>
        work.Count > WorkKept ? work.RemoveRange(0, work.Count - WorkKept) : work;

    private sealed record PendingLease(Guid Id, string ClusterId, int Rank, DateTimeOffset Expires);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order for device {DeviceId}, job {JobId} not delivered: {Reason}; the worker gets it when it attaches")]
    private static partial void LogDeliveryFailed(ILogger logger, string deviceId, string jobId, string reason);
}
