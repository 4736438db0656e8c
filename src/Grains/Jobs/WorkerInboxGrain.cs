using Microsoft.Extensions.Hosting;

namespace Fabric.Jobs;

/// <summary>
/// A worker's inbox: orders for its devices, handed out by long poll, so a worker behind NAT needs only its outbound
/// connection and one waiting call however many GPUs it runs. In memory: after a failover the epoch changes and the
/// worker asks each device for its current work (devices keep their orders in storage).
/// </summary>
public sealed class WorkerInboxGrain(IHostApplicationLifetime lifetime) : Grain, IWorkerInboxGrain
{
    /// <summary>Longest a poll waits for orders.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);

    /// <summary>Orders kept for a worker that has not polled them yet.</summary>
    private const int Kept = 4096;

    private readonly Guid _epoch = Guid.NewGuid();
    private readonly LinkedList<(long Sequence, WorkOrder Order)> _orders = new();
    private long _next = 1;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<WorkBatch> PollAsync(Guid epoch, long cursor, TimeSpan wait)
    {
        if (epoch != _epoch)
        {
            // A new inbox (or a new worker): start from here; the worker resyncs through its devices.
            return new WorkBatch { Epoch = _epoch, Cursor = _next - 1, Orders = [] };
        }

        var batch = After(cursor);
        if (batch.Count > 0 || wait <= TimeSpan.Zero)
        {
            return Batch(batch, cursor);
        }

        await LongPoll.WaitAsync(_arrived.Task, wait < MaxWait ? wait : MaxWait, lifetime.ApplicationStopping);
        return Batch(After(cursor), cursor);
    }

    public Task DeliverAsync(WorkOrder order)
    {
        _orders.AddLast((_next++, order));
        while (_orders.Count > Kept)
        {
            _orders.RemoveFirst();
        }

        var arrived = _arrived;
        _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        arrived.TrySetResult();
        return Task.CompletedTask;
    }

    private List<(long Sequence, WorkOrder Order)> After(long cursor) => [.. _orders.Where(o => o.Sequence > cursor)];

    private WorkBatch Batch(List<(long Sequence, WorkOrder Order)> batch, long cursor) => new()
    {
        Epoch = _epoch,
        Cursor = batch.Count > 0 ? batch[^1].Sequence : cursor,
        Orders = [.. batch.Select(b => b.Order)],
    };
}
