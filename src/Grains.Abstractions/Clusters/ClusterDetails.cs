using Fabric.Money;

namespace Fabric.Clusters;

/// <summary>
/// Where a cluster stands. Queued → Running → Released (by the renter or its job), Expired (hours ran out) or Failed;
/// a Running cluster that loses a device stays Running while that rank is re-placed.
/// </summary>
[GenerateSerializer, Alias("fabric.ClusterStatus")]
public enum ClusterStatus
{
    Queued = 0,
    Running = 1,
    Released = 2,
    Expired = 3,
    Failed = 4,
}

/// <summary>One GPU of a cluster: which device holds a rank, at what price, from when to when.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ClusterMember")]
public sealed record ClusterMember
{
    [Id(0)] public required int Rank { get; init; }
    [Id(1)] public required string DeviceId { get; init; }
    [Id(2)] public required string Owner { get; init; }
    [Id(3)] public required string Model { get; init; }

    /// <summary>The device's price when placed, IOSD base units per GPU-hour; charged for the whole membership.</summary>
    [Id(4)] public required long PricePerHour { get; init; }
    [Id(5)] public required DateTimeOffset Since { get; init; }

    /// <summary>When the membership ended (lost device, cluster end); null while it runs.</summary>
    [Id(6)] public DateTimeOffset? Until { get; init; }

    /// <summary>Why it ended.</summary>
    [Id(7)] public string? EndReason { get; init; }

    /// <summary>IOSD base units charged for it so far (before conversion to the paying token).</summary>
    [Id(8)] public long Charged { get; init; }
    [Id(9)] public required string Region { get; init; }

    /// <summary>Where other ranks reach this member's worker.</summary>
    [Id(10)] public string WorkerAddress { get; init; } = "";
}

/// <summary>A cluster as its renter and readers see it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ClusterDetails")]
public sealed record ClusterDetails
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Renter { get; init; }
    [Id(2)] public required ClusterSpec Spec { get; init; }
    [Id(3)] public required ClusterStatus Status { get; init; }

    /// <summary>Why it is in its status, in words a renter understands.</summary>
    [Id(4)] public required string Reason { get; init; }
    [Id(5)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(6)] public DateTimeOffset? PlacedAt { get; init; }

    /// <summary>When the paid hours run out (placement time + hours).</summary>
    [Id(7)] public DateTimeOffset? EndsAt { get; init; }
    [Id(8)] public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The ranks now held.</summary>
    [Id(9)] public required IReadOnlyList<ClusterMember> Members { get; init; }

    /// <summary>Memberships that ended (lost devices), kept for the bill and the explanation.</summary>
    [Id(10)] public required IReadOnlyList<ClusterMember> PastMembers { get; init; }

    /// <summary>The price per GPU-hour the escrow was sized at (IOSD base units).</summary>
    [Id(11)] public required long LimitPricePerHour { get; init; }

    /// <summary>Escrowed so far, in the paying token's base units (all holds, fees included).</summary>
    [Id(12)] public required long Held { get; init; }

    /// <summary>Paid to suppliers so far, in the paying token's base units (before the booking fee).</summary>
    [Id(13)] public required long Paid { get; init; }

    /// <summary>Payment fees so far, in the paying token's base units.</summary>
    [Id(14)] public required long Fees { get; init; }
    [Id(15)] public required IReadOnlyList<string> Jobs { get; init; }
    [Id(16)] public int? Stars { get; init; }
    [Id(17)] public required Token Pay { get; init; }
}

/// <summary>Why a cluster was placed where it was, or why it still waits.</summary>
[GenerateSerializer, Immutable, Alias("fabric.PlacementReport")]
public sealed record PlacementReport
{
    [Id(0)] public required DateTimeOffset At { get; init; }

    /// <summary>One sentence: the outcome.</summary>
    [Id(1)] public required string Summary { get; init; }

    /// <summary>Feasible devices the pool offered.</summary>
    [Id(2)] public required int Feasible { get; init; }

    /// <summary>The scored candidates, best first (bounded).</summary>
    [Id(3)] public required IReadOnlyList<CandidateScore> Candidates { get; init; }

    /// <summary>Tries made (reserve conflicts cause retries).</summary>
    [Id(4)] public required int Attempts { get; init; }
}

/// <summary>A candidate's score and its parts (higher is better), and what happened to it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.CandidateScore")]
public sealed record CandidateScore
{
    [Id(0)] public required string DeviceId { get; init; }
    [Id(1)] public required double Score { get; init; }
    [Id(2)] public required double Price { get; init; }
    [Id(3)] public required double Tier { get; init; }
    [Id(4)] public required double Reputation { get; init; }
    [Id(5)] public required double Region { get; init; }
    [Id(6)] public required double Load { get; init; }

    /// <summary>"chosen", "reserve refused: …", "not needed".</summary>
    [Id(7)] public required string Outcome { get; init; }
    [Id(8)] public required long PricePerHour { get; init; }
}
