namespace Fabric.Governance;

/// <summary>
/// The network's governable parameters as they stand now: the configured defaults, changed only by executed
/// governance proposals (each recorded in the ledger as a "parameter" event). Fee rates and shares are basis points
/// (1 bp = 0.01%); placement and reward weights are basis points of one (10,000 = 1.0).
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.NetworkParameters")]
public sealed record NetworkParameters
{
    /// <summary>Ledger sequence of the last executed change; 0 while every value is its default.</summary>
    [Id(0)] public required long Version { get; init; }

    /// <summary>Payment fee when paying in IOSD (default 200 = 2%).</summary>
    [Id(1)] public required int PaymentFeeIosdBps { get; init; }

    /// <summary>Payment fee when paying in IO (default 0).</summary>
    [Id(2)] public required int PaymentFeeIoBps { get; init; }

    /// <summary>Booking fee taken from a supplier's payout (default 25 = 0.25%).</summary>
    [Id(3)] public required int BookingFeeBps { get; init; }

    /// <summary>Share of fee revenue used to buy back and burn IO at the reference price: the buy-back's base share (read by the burn).</summary>
    [Id(4)] public required int BurnShareBps { get; init; }

    /// <summary>Minimum stake in whole IO per unit of hardware multiplier and GPU (default 200 IO).</summary>
    [Id(5)] public required long MinimumStakeIo { get; init; }

    /// <summary>Share of a stake slashed for one fault (read by staking).</summary>
    [Id(6)] public required int SlashShareBps { get; init; }

    /// <summary>Placement scoring weights, basis points of one each.</summary>
    [Id(7)] public required PlacementWeights Placement { get; init; }

    /// <summary>Reward weight per performance tier (Low, Medium, High, Ultra), basis points of one (read by rewards).</summary>
    [Id(8)] public required RewardTierWeights RewardTiers { get; init; }

    /// <summary>Every value by its governance name, in catalogue order (what `fabric params` prints).</summary>
    [Id(9)] public required IReadOnlyList<ParameterValue> Values { get; init; }

    /// <summary>Extra reward weight of a staked device's uptime, basis points (default 2,500 = +25%; read by rewards).</summary>
    [Id(10)] public required int StakeBonusBps { get; init; }
}

/// <summary>How much each part of a placement score counts, in basis points of one.</summary>
[GenerateSerializer, Immutable, Alias("fabric.PlacementWeights")]
public sealed record PlacementWeights
{
    [Id(0)] public required int PriceBps { get; init; }
    [Id(1)] public required int TierBps { get; init; }
    [Id(2)] public required int ReputationBps { get; init; }
    [Id(3)] public required int RegionBps { get; init; }
    [Id(4)] public required int LoadBps { get; init; }
}

/// <summary>Reward weight of a device's verified performance tier, in basis points of one.</summary>
[GenerateSerializer, Immutable, Alias("fabric.RewardTierWeights")]
public sealed record RewardTierWeights
{
    [Id(0)] public required int LowBps { get; init; }
    [Id(1)] public required int MediumBps { get; init; }
    [Id(2)] public required int HighBps { get; init; }
    [Id(3)] public required int UltraBps { get; init; }
}

/// <summary>One parameter's current value, its default and its bounds.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ParameterValue")]
public sealed record ParameterValue
{
    /// <summary>Governance name, e.g. "payment-fee-iosd-bps".</summary>
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public required long Value { get; init; }
    [Id(2)] public required long Default { get; init; }
    [Id(3)] public required long Min { get; init; }
    [Id(4)] public required long Max { get; init; }

    /// <summary>What it means and its unit, in words.</summary>
    [Id(5)] public required string Description { get; init; }

    /// <summary>Ledger sequence of the change that set it; 0 for the default.</summary>
    [Id(6)] public required long ChangedAt { get; init; }
}
