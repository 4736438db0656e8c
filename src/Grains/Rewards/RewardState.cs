namespace Fabric.Rewards;

/// <summary>
/// The reward stream's cursor, in grain storage. The epoch plans themselves are in the reward tables (written ahead
/// of their mints); this moves on only after an epoch's mints are all in the ledger.
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.RewardState")]
public sealed record RewardState
{
    /// <summary>The first epoch this network distributed: the hour the stream first ran. Null before.</summary>
    [Id(0)] public long? FirstEpoch { get; init; }

    /// <summary>The next epoch to distribute (all before it are applied). Null before the first run.</summary>
    [Id(1)] public long? NextEpoch { get; init; }

    /// <summary>IO base units minted by the epochs before <see cref="NextEpoch"/>.</summary>
    [Id(2)] public long Minted { get; init; }

    /// <summary>IO base units those epochs issued but did not mint (CPU pool, hours nobody earned).</summary>
    [Id(3)] public long Undistributed { get; init; }
}
