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

    /// <summary>Start orders of the jobs it runs now, so a worker that lost its inbox catches up.</summary>
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

/// <summary>A committed lease: the device serves this cluster's rank.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceAssignment")]
public sealed record DeviceAssignment
{
    [Id(0)] public required string ClusterId { get; init; }
    [Id(1)] public required int Rank { get; init; }
    [Id(2)] public required DateTimeOffset Since { get; init; }
}
