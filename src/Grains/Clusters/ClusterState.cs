using System.Collections.Immutable;

namespace Fabric.Clusters;

/// <summary>What a cluster grain keeps in storage.</summary>
[GenerateSerializer, Alias("fabric.ClusterState")]
public sealed record ClusterState
{
    [Id(0)] public ClusterDetails? Cluster { get; init; }
    [Id(1)] public ImmutableList<EscrowHold> Holds { get; init; } = [];

    /// <summary>Settlements applied; numbers the next one's operation ids.</summary>
    [Id(2)] public long Settlements { get; init; }

    /// <summary>
    /// A settlement written before it is applied: after a crash the same captures (same ids, same amounts) are applied
    /// again, which the ledger turns into no-ops for those already done.
    /// </summary>
    [Id(3)] public PendingSettlement? Pending { get; init; }

    /// <summary>Renter request ids already applied (extend, rate) with their expiry (unix ms).</summary>
    [Id(4)] public ImmutableDictionary<Guid, long> SeenRequests { get; init; } = ImmutableDictionary<Guid, long>.Empty;

    /// <summary>Devices this cluster lost; placed on again only when no other device matches.</summary>
    [Id(5)] public ImmutableList<string> Excluded { get; init; } = [];

    /// <summary>USD per IO fixed at deploy, so an IO payer's bill does not move with the price afterwards.</summary>
    [Id(6)] public decimal IoPriceUsd { get; init; }
    [Id(7)] public PlacementReport? Report { get; init; }
    /// <summary>Jobs of this cluster that have not ended (the details list only the most recent jobs).</summary>
    [Id(13)] public ImmutableHashSet<string> Active { get; init; } = ImmutableHashSet<string>.Empty;

    /// <summary>True once an ended cluster closed its holds and freed its devices.</summary>
    [Id(9)] public bool Closed { get; init; }
    [Id(10)] public DateTimeOffset? LastSettledAt { get; init; }

    /// <summary>
    /// Ledger sequence of the network parameters the escrow was sized with at deploy (null: deployed before
    /// governance). Every capture names it, so the renter pays the payment fee it escrowed for.
    /// </summary>
    [Id(11)] public long? FeesAsOf { get; init; }

    /// <summary>The payment fee rate (of the cluster's pay token) in force at <see cref="FeesAsOf"/>.</summary>
    [Id(12)] public int? PaymentFeeBps { get; init; }
}

/// <summary>A settlement about to be applied and the members' charges once it is.</summary>
[GenerateSerializer, Immutable, Alias("fabric.PendingSettlement")]
public sealed record PendingSettlement
{
    [Id(0)] public required IReadOnlyList<PlannedCapture> Captures { get; init; }
    [Id(1)] public required IReadOnlyList<ClusterMember> Members { get; init; }
    [Id(2)] public required IReadOnlyList<ClusterMember> PastMembers { get; init; }
    [Id(3)] public required DateTimeOffset UpTo { get; init; }

    /// <summary>GPU-time this settlement pays for, appended to its first capture's memo (see CaptureUsage).</summary>
    [Id(4)] public string UsageNote { get; init; } = "";
}
