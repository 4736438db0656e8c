namespace Fabric.Clusters;

/// <summary>A waiting request as the scheduler orders it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.QueueEntry")]
public sealed record QueueEntry
{
    [Id(0)] public required string ClusterId { get; init; }
    [Id(1)] public required string Renter { get; init; }
    [Id(2)] public required Priority Priority { get; init; }
    [Id(3)] public required DateTimeOffset QueuedAt { get; init; }
    [Id(4)] public required bool Cheap { get; init; }
    [Id(5)] public required int Gpus { get; init; }
}

/// <summary>The queue as a reader sees it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.QueueView")]
public sealed record QueueView
{
    [Id(0)] public required int Waiting { get; init; }
    [Id(1)] public required int Placing { get; init; }

    /// <summary>The next few in the order they would be tried.</summary>
    [Id(2)] public required IReadOnlyList<QueueEntry> Next { get; init; }
    [Id(3)] public required long Placed { get; init; }
}

/// <summary>
/// The placement queue (key "network"): priority then submission time, aged so low priority never starves, fair
/// across renters, with cheap requests waiting for capacity at their price. It asks cluster grains to place
/// themselves, a bounded number at a time. In memory: clusters re-enqueue themselves from a reminder after a crash.
/// </summary>
[Alias("fabric.ISchedulerGrain")]
public interface ISchedulerGrain : IGrainWithStringKey
{
    const string NetworkKey = "network";

    [Alias("Enqueue"), SiloOnly]
    Task EnqueueAsync(QueueEntry entry);

    /// <summary>
    /// Queues a cluster as <see cref="EnqueueAsync"/> does, and answers true when it is next in line and a placement
    /// slot is free: the cluster then places itself in the call that asked, instead of waiting for the scheduler to call
    /// back, and reports the outcome with <see cref="AdmittedDoneAsync"/>. An admission never reported is taken back
    /// after a lease's lifetime.
    /// </summary>
    [Alias("Admit"), SiloOnly]
    Task<bool> AdmitAsync(QueueEntry entry);

    /// <summary>An admitted cluster's placement ended: placed, or to be tried again like any waiting request.</summary>
    [Alias("AdmittedDone"), SiloOnly, Orleans.Concurrency.OneWay]
    Task AdmittedDoneAsync(string clusterId, bool placed);

    /// <summary>Forget a cluster that no longer needs placing (released while queued).</summary>
    [Alias("Dequeue"), SiloOnly]
    Task DequeueAsync(string clusterId);

    /// <summary>Capacity appeared (a device came online or was released): waiting entries try again now.</summary>
    [Alias("Nudge"), SiloOnly, Orleans.Concurrency.OneWay]
    Task NudgeAsync();

    [Alias("View")]
    Task<QueueView> ViewAsync(int take);

    /// <summary>Position of a cluster in the order of the next try (0 first), or -1 when not queued.</summary>
    [Alias("Position")]
    Task<int> PositionAsync(string clusterId);
}
