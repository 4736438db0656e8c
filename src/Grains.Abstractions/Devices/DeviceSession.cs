namespace Fabric.Devices;

/// <summary>
/// What a connected worker holds for one device: a session token (heartbeats and challenge answers carry it, so a
/// heartbeat costs no signature check) and, when due, a verification challenge to solve.
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceSession")]
public sealed record DeviceSession
{
    [Id(0)] public required Guid Token { get; init; }
    [Id(1)] public required DeviceStatus Status { get; init; }
    [Id(2)] public required TimeSpan HeartbeatInterval { get; init; }
    [Id(3)] public required ChallengeData? Challenge { get; init; }

    /// <summary>The pool shard (an <see cref="IPoolShardGrain"/> key) that takes this device's heartbeats.</summary>
    [Id(4)] public required int Shard { get; init; }
}

/// <summary>A verification challenge: solve, commit to a Merkle root, then open the leaves the silo samples.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ChallengeData")]
public sealed record ChallengeData
{
    [Id(0)] public required Guid Id { get; init; }
    [Id(1)] public required byte[] Seed { get; init; }
    [Id(2)] public required int Leaves { get; init; }
    [Id(3)] public required int Rounds { get; init; }
    [Id(4)] public required DateTimeOffset IssuedAt { get; init; }
    [Id(5)] public required DateTimeOffset Deadline { get; init; }
}

/// <summary>One opened leaf and its Merkle path.</summary>
[GenerateSerializer, Immutable, Alias("fabric.LeafOpeningData")]
public sealed record LeafOpeningData
{
    [Id(0)] public required int Index { get; init; }
    [Id(1)] public required byte[] Leaf { get; init; }
    [Id(2)] public required IReadOnlyList<byte[]> Path { get; init; }
}

/// <summary>How a verification ended.</summary>
[GenerateSerializer, Immutable, Alias("fabric.VerificationOutcome")]
public sealed record VerificationOutcome
{
    [Id(0)] public required bool Passed { get; init; }

    /// <summary>A sentence: why it passed or failed.</summary>
    [Id(1)] public required string Detail { get; init; }
    [Id(2)] public required DeviceTier Tier { get; init; }
    [Id(3)] public required long MeasuredHashesPerSecond { get; init; }

    /// <summary>False when the device showed far less than its model promises.</summary>
    [Id(4)] public required bool MatchesClaim { get; init; }
}

/// <summary>The answer to a heartbeat: the device's status and a challenge to solve, if one is due.</summary>
[GenerateSerializer, Immutable, Alias("fabric.HeartbeatReply")]
public sealed record HeartbeatReply
{
    [Id(0)] public required DeviceStatus Status { get; init; }
    [Id(1)] public required ChallengeData? Challenge { get; init; }
}

/// <summary>A device grain's answer to a heartbeat its pool shard passed on: the reply for the worker, and when to pass the next one.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ForwardedBeatReply")]
public sealed record ForwardedBeatReply
{
    [Id(0)] public required HeartbeatReply Reply { get; init; }

    /// <summary>Heartbeats before this time stay in the shard (unless the device is Verifying, Unhealthy or Offline).</summary>
    [Id(1)] public required DateTimeOffset WakeAt { get; init; }
}

/// <summary>One status change, with its cause.</summary>
[GenerateSerializer, Immutable, Alias("fabric.StatusChange")]
public sealed record StatusChange
{
    [Id(0)] public required DateTimeOffset At { get; init; }
    [Id(1)] public required DeviceStatus From { get; init; }
    [Id(2)] public required DeviceStatus To { get; init; }
    [Id(3)] public required string Reason { get; init; }
}

/// <summary>Seconds a device was Online or Busy in one clock hour.</summary>
[GenerateSerializer, Immutable, Alias("fabric.UptimeHour")]
public sealed record UptimeHour
{
    [Id(0)] public required DateTimeOffset Hour { get; init; }
    [Id(1)] public required int Seconds { get; init; }
}

/// <summary>What the owner sees beyond the public details.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceActivity")]
public sealed record DeviceActivity
{
    [Id(0)] public required IReadOnlyList<StatusChange> StatusHistory { get; init; }

    /// <summary>Worker connections and disconnections, newest last.</summary>
    [Id(1)] public required IReadOnlyList<StatusChange> Connections { get; init; }
    [Id(2)] public required IReadOnlyList<UptimeHour> Uptime { get; init; }
    [Id(3)] public required long BytesIn { get; init; }
    [Id(4)] public required long BytesOut { get; init; }

    /// <summary>Clusters this device served, newest last (bounded).</summary>
    [Id(5)] public IReadOnlyList<WorkRecord> Work { get; init; } = [];
}

/// <summary>One rental of a device: which cluster and rank, from when to when, and how it ended.</summary>
[GenerateSerializer, Immutable, Alias("fabric.WorkRecord")]
public sealed record WorkRecord
{
    [Id(0)] public required string ClusterId { get; init; }
    [Id(1)] public required int Rank { get; init; }
    [Id(2)] public required DateTimeOffset From { get; init; }
    [Id(3)] public DateTimeOffset? To { get; init; }

    /// <summary>Jobs started on it during the rental.</summary>
    [Id(4)] public int Jobs { get; init; }
    [Id(5)] public string? Outcome { get; init; }
}

/// <summary>The answer to a lease request: granted with the device's terms, or refused with a reason.</summary>
[GenerateSerializer, Immutable, Alias("fabric.LeaseReply")]
public sealed record LeaseReply
{
    [Id(0)] public required bool Granted { get; init; }
    [Id(1)] public Guid LeaseId { get; init; }
    [Id(2)] public string? Refusal { get; init; }
    [Id(3)] public string Owner { get; init; } = "";
    [Id(4)] public string Model { get; init; } = "";
    [Id(5)] public string Region { get; init; } = "";
    [Id(6)] public long PricePerHour { get; init; }

    /// <summary>Address other ranks reach this device's worker at (FABRIC_MASTER_ADDR when it holds rank 0).</summary>
    [Id(7)] public string WorkerAddress { get; init; } = "";
}
