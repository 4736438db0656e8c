using System.Collections.Immutable;

namespace Fabric.Staking;

/// <summary>What a stake grain keeps in storage.</summary>
[GenerateSerializer, Alias("fabric.StakeState")]
public sealed record StakeState
{
    /// <summary>The device owner who staked; null before the first stake.</summary>
    [Id(0)] public string? Owner { get; init; }

    /// <summary>Open ledger holds making up the stake, oldest first.</summary>
    [Id(1)] public ImmutableList<StakeHold> Holds { get; init; } = [];

    /// <summary>Numbers the next hold: "stake/DEVICE/N". Never reused, so a hold id names one stake for ever.</summary>
    [Id(2)] public int NextHold { get; init; }

    /// <summary>When the owner unstaked (the whole stake cools down); null while the stake is active.</summary>
    [Id(3)] public DateTimeOffset? UnstakedAt { get; init; }

    /// <summary>When the cooling-down stake may be withdrawn (the cooldown in force at unstake time).</summary>
    [Id(4)] public DateTimeOffset? WithdrawableAt { get; init; }

    /// <summary>IO base units slashed, ever.</summary>
    [Id(5)] public long Slashed { get; init; }

    /// <summary>Slashes applied, oldest first (bounded).</summary>
    [Id(6)] public ImmutableList<SlashRecord> Faults { get; init; } = [];

    /// <summary>A slash written before it is applied; after a crash it is applied again under the same operation id.</summary>
    [Id(7)] public PlannedSlash? Pending { get; init; }

    /// <summary>Owner request ids applied, with their expiry (unix ms): a replay within its lifetime is refused.</summary>
    [Id(8)] public ImmutableDictionary<Guid, long> SeenRequests { get; init; } = ImmutableDictionary<Guid, long>.Empty;

    /// <summary>A withdrawal under way: its holds are being released (repeated harmlessly after a crash).</summary>
    [Id(9)] public bool Withdrawing { get; init; }
}

/// <summary>One stake hold and what is left of it after slashes.</summary>
[GenerateSerializer, Immutable, Alias("fabric.StakeHold")]
public sealed record StakeHold
{
    [Id(0)] public required string HoldId { get; init; }
    [Id(1)] public required long Amount { get; init; }
    [Id(2)] public required long Left { get; init; }
}

/// <summary>A slash about to be applied: the ledger command and its record.</summary>
[GenerateSerializer, Immutable, Alias("fabric.PlannedSlash")]
public sealed record PlannedSlash
{
    [Id(0)] public required SlashRecord Record { get; init; }
    [Id(1)] public required IReadOnlyList<Ledger.HoldSlice> Slices { get; init; }
}
