using System.Collections.Immutable;

namespace Fabric.Devices;

/// <summary>What a device grain keeps in storage: written on real changes, never per heartbeat.</summary>
[GenerateSerializer, Alias("fabric.DeviceState")]
public sealed record DeviceState
{
    /// <summary>The registered device; null until registration.</summary>
    [Id(0)] public DeviceDetails? Device { get; init; }

    /// <summary>Most recent status changes, oldest first (bounded).</summary>
    [Id(1)] public ImmutableList<StatusChange> History { get; init; } = [];

    /// <summary>Worker connections and silences, oldest first (bounded).</summary>
    [Id(2)] public ImmutableList<StatusChange> Connections { get; init; } = [];

    /// <summary>Seconds Online or Busy per clock hour, oldest first (bounded).</summary>
    [Id(3)] public ImmutableList<UptimeHour> Uptime { get; init; } = [];

    /// <summary>Owner request ids already applied, with their expiry (unix ms): a replay within its lifetime is refused.</summary>
    [Id(4)] public ImmutableDictionary<Guid, long> SeenRequests { get; init; } = ImmutableDictionary<Guid, long>.Empty;

    /// <summary>When the next random re-verification is due.</summary>
    [Id(5)] public DateTimeOffset? ReverifyAt { get; init; }

    [Id(6)] public long BytesIn { get; init; }
    [Id(7)] public long BytesOut { get; init; }

    /// <summary>
    /// The open worker session (Guid.Empty for none): stored so that challenge answers and the shard's forwarded
    /// heartbeats are still accepted after this grain was collected and activated again.
    /// </summary>
    [Id(8)] public Guid Session { get; init; }

    /// <summary>Start of the open uptime span (Online or Busy since, or since the last hourly write); null when down.</summary>
    [Id(9)] public DateTimeOffset? OnlineSince { get; init; }

    /// <summary>The cluster rank this device is rented to; null when free.</summary>
    [Id(10)] public DeviceAssignment? Assignment { get; init; }

    /// <summary>
    /// Where start orders were kept before they moved to <see cref="DeviceOrdersState"/>; read once, to move a stored
    /// device's orders over, and never written again.
    /// </summary>
    [Id(11)] public ImmutableList<Jobs.WorkOrder> Orders { get; init; } = [];

    /// <summary>Rentals, newest last (bounded).</summary>
    [Id(12)] public ImmutableList<WorkRecord> Work { get; init; } = [];

    /// <summary>Inbox of the worker that runs this device.</summary>
    [Id(13)] public string? WorkerInbox { get; init; }

    /// <summary>Clusters whose renter rated this device (a cluster rates once).</summary>
    [Id(14)] public ImmutableList<string> RatedBy { get; init; } = [];

    /// <summary>Where other ranks reach the worker (its address towards the gateway).</summary>
    [Id(15)] public string? WorkerAddress { get; init; }
}

/// <summary>
/// Which jobs' ranks a rented device runs now (their start orders are the jobs' to keep), so a worker that lost its inbox
/// catches up and an ending rental stops them, and how many jobs the rental started. Kept apart from
/// <see cref="DeviceState"/>, and as references rather than whole orders, because it changes twice per job: with
/// hundreds of jobs queued on a device, each such write would otherwise serialize every queued order and the device's
/// status history, uptime and rentals too.
/// </summary>
[GenerateSerializer, Alias("fabric.DeviceOrdersState")]
public sealed record DeviceOrdersState
{
    [Id(0)] public ImmutableList<OrderRef> Orders { get; init; } = [];

    /// <summary>The rental (cluster id) the count belongs to.</summary>
    [Id(1)] public string? ClusterId { get; init; }

    /// <summary>Jobs started on this device in that rental; added to its <see cref="WorkRecord"/> when it ends.</summary>
    [Id(2)] public int JobsStarted { get; init; }
}

/// <summary>A job's rank that a device runs.</summary>
[GenerateSerializer, Immutable, Alias("fabric.OrderRef")]
public sealed record OrderRef
{
    [Id(0)] public required string JobId { get; init; }
    [Id(1)] public required int Rank { get; init; }
}

/// <summary>A committed lease: the device serves this cluster's rank.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceAssignment")]
public sealed record DeviceAssignment
{
    [Id(0)] public required string ClusterId { get; init; }
    [Id(1)] public required int Rank { get; init; }
    [Id(2)] public required DateTimeOffset Since { get; init; }
}
