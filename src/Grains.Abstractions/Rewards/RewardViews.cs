namespace Fabric.Rewards;

/// <summary>Where an epoch's distribution stands.</summary>
[GenerateSerializer, Alias("fabric.RewardEpochStatus")]
public enum RewardEpochStatus
{
    /// <summary>The plan is written (every device's share fixed); its mints may be partly applied.</summary>
    Planned = 0,

    /// <summary>Every mint of the plan is in the ledger.</summary>
    Applied = 1,
}

/// <summary>
/// One hour of emission (an epoch) and what became of it. Amounts are IO base units. Issuance = GPU pool + CPU pool;
/// Distributed is what the plan mints to device owners; Issuance − Distributed is never minted.
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.RewardEpoch")]
public sealed record RewardEpoch
{
    /// <summary>The emission hour index (hour 0 starts at the schedule's start).</summary>
    [Id(0)] public required long Epoch { get; init; }
    [Id(1)] public required DateTimeOffset HourStart { get; init; }
    [Id(2)] public required long Issuance { get; init; }

    /// <summary>The GPU suppliers' share of the issuance (95% by default).</summary>
    [Id(3)] public required long GpuPool { get; init; }

    /// <summary>The CPU suppliers' share: Fabric has no CPU devices, so it is not minted.</summary>
    [Id(4)] public required long CpuPool { get; init; }
    [Id(5)] public required long Distributed { get; init; }

    /// <summary>Devices that earned (verified uptime in the hour, not disqualified).</summary>
    [Id(6)] public required int Devices { get; init; }

    /// <summary>Wallets minted to.</summary>
    [Id(7)] public required int Owners { get; init; }
    [Id(8)] public required RewardEpochStatus Status { get; init; }

    /// <summary>False when some pool shard had not watched the whole hour (a silo failed over): its devices' uptime of that hour was partly lost.</summary>
    [Id(9)] public required bool Complete { get; init; }
    [Id(10)] public required DateTimeOffset PlannedAt { get; init; }
    [Id(11)] public DateTimeOffset? AppliedAt { get; init; }

    /// <summary>Never minted: the CPU pool and whatever of the GPU pool no device earned.</summary>
    public long Undistributed => Issuance - Distributed;
}

/// <summary>What one wallet was minted for one epoch.</summary>
[GenerateSerializer, Immutable, Alias("fabric.RewardPayout")]
public sealed record RewardPayout
{
    [Id(0)] public required long Epoch { get; init; }
    [Id(1)] public required DateTimeOffset HourStart { get; init; }
    [Id(2)] public required string Owner { get; init; }

    /// <summary>IO base units.</summary>
    [Id(3)] public required long Amount { get; init; }

    /// <summary>The owner's devices that earned in the epoch.</summary>
    [Id(4)] public required int Devices { get; init; }

    /// <summary>The ledger operation that minted it.</summary>
    [Id(5)] public required string OperationId { get; init; }
}

/// <summary>One device's share of one epoch.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceEarning")]
public sealed record DeviceEarning
{
    [Id(0)] public required long Epoch { get; init; }
    [Id(1)] public required DateTimeOffset HourStart { get; init; }
    [Id(2)] public required int Seconds { get; init; }

    /// <summary>Σ seconds × the tier weight in force, in basis points of one (10,000 per second at weight 1).</summary>
    [Id(3)] public required long WeightedSeconds { get; init; }

    /// <summary>Staking bonus in basis points (0 for an unstaked device).</summary>
    [Id(4)] public required int BonusBps { get; init; }

    /// <summary>IO base units.</summary>
    [Id(5)] public required long Amount { get; init; }
}

/// <summary>A device's rewards: totals since it first earned, and its latest epochs (kept for a bounded number of hours).</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceEarnings")]
public sealed record DeviceEarnings
{
    [Id(0)] public required string DeviceId { get; init; }

    /// <summary>The wallet paid for it most recently; empty when it never earned.</summary>
    [Id(1)] public required string Owner { get; init; }

    /// <summary>IO base units earned in every applied epoch.</summary>
    [Id(2)] public required long Total { get; init; }
    [Id(3)] public required int Epochs { get; init; }

    /// <summary>Newest first.</summary>
    [Id(4)] public required IReadOnlyList<DeviceEarning> Recent { get; init; }
}

/// <summary>The reward stream's position and the schedule it follows.</summary>
[GenerateSerializer, Immutable, Alias("fabric.RewardStatus")]
public sealed record RewardStatus
{
    [Id(0)] public required string Preset { get; init; }

    /// <summary>Start of emission hour 0.</summary>
    [Id(1)] public required DateTimeOffset ScheduleStart { get; init; }

    /// <summary>First epoch this network distributed (the hour it first ran); null before it ever ran.</summary>
    [Id(2)] public required long? FirstEpoch { get; init; }

    /// <summary>The next epoch to distribute once it has closed; null before the first run.</summary>
    [Id(3)] public required long? NextEpoch { get; init; }

    /// <summary>IO base units minted as rewards so far.</summary>
    [Id(4)] public required long Minted { get; init; }

    /// <summary>IO base units issued by the schedule in epochs already run but not minted (CPU pool, hours no device earned).</summary>
    [Id(5)] public required long Undistributed { get; init; }

    /// <summary>The schedule's issuance of the current hour and of the next one.</summary>
    [Id(6)] public required long IssuanceThisHour { get; init; }
    [Id(7)] public required long IssuanceNextHour { get; init; }

    /// <summary>Cap − genesis: the most the schedule may ever emit.</summary>
    [Id(8)] public required long Budget { get; init; }
}
