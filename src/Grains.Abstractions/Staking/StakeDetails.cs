namespace Fabric.Staking;

/// <summary>What is staked on a device. Amounts are IO base units (10^-8 IO).</summary>
[GenerateSerializer, Immutable, Alias("fabric.StakeDetails")]
public sealed record StakeDetails
{
    [Id(0)] public required string DeviceId { get; init; }

    /// <summary>The device owner's address, who alone may stake on it; empty for an unknown device.</summary>
    [Id(1)] public required string Owner { get; init; }

    /// <summary>Staked and not unstaking: what rewards and eligibility count.</summary>
    [Id(2)] public required long Active { get; init; }

    /// <summary>Unstaked and waiting for the cooldown to end (still slashable).</summary>
    [Id(3)] public required long CoolingDown { get; init; }

    /// <summary>When the cooling-down stake may be withdrawn; null when nothing is cooling down.</summary>
    [Id(4)] public required DateTimeOffset? WithdrawableAt { get; init; }

    /// <summary>IO base units slashed from this device, ever.</summary>
    [Id(5)] public required long Slashed { get; init; }

    /// <summary>The device's minimum stake: 200 IO × max(1, hardware multiplier) × GPUs (parameters).</summary>
    [Id(6)] public required long Minimum { get; init; }

    /// <summary>True when <see cref="Active"/> ≥ <see cref="Minimum"/>.</summary>
    [Id(7)] public required bool MeetsMinimum { get; init; }

    /// <summary>Faults slashed, newest last (bounded).</summary>
    [Id(8)] public required IReadOnlyList<SlashRecord> Faults { get; init; }

    /// <summary>Ledger holds that make up the stake (open ones only).</summary>
    [Id(9)] public required IReadOnlyList<string> Holds { get; init; }
}

/// <summary>Why a device is slashed.</summary>
[GenerateSerializer, Alias("fabric.FaultKind")]
public enum FaultKind
{
    /// <summary>A re-verification of a verified device failed: the claimed performance was not shown.</summary>
    FailedVerification = 0,

    /// <summary>The device went Offline (past the liveness SLA) while rented.</summary>
    DowntimeWhileRented = 1,
}

/// <summary>One fault of a device. <see cref="FaultId"/> names the fault, so it is slashed at most once.</summary>
[GenerateSerializer, Immutable, Alias("fabric.StakeFault")]
public sealed record StakeFault
{
    /// <summary>Unique per fault of this device: "verify/CHALLENGE-ID", "offline/CLUSTER-ID/UNIX-MS".</summary>
    [Id(0)] public required string FaultId { get; init; }
    [Id(1)] public required FaultKind Kind { get; init; }

    /// <summary>The renting cluster the fault hurt; empty when the device was not rented.</summary>
    [Id(2)] public required string ClusterId { get; init; }
    [Id(3)] public required DateTimeOffset At { get; init; }
    [Id(4)] public required string Detail { get; init; }
}

/// <summary>A fault and what it cost.</summary>
[GenerateSerializer, Immutable, Alias("fabric.SlashRecord")]
public sealed record SlashRecord
{
    [Id(0)] public required StakeFault Fault { get; init; }

    /// <summary>IO base units taken from the stake.</summary>
    [Id(1)] public required long Amount { get; init; }

    /// <summary>The renter paid, or empty when burned.</summary>
    [Id(2)] public required string PaidTo { get; init; }

    /// <summary>The ledger operation; empty when nothing was staked.</summary>
    [Id(3)] public required string OperationId { get; init; }
}
