namespace Fabric.Rewards;

/// <summary>
/// The staking hook of the rewards: each staked device's bonus on its weighted uptime. Staking registers its own
/// implementation (<c>services.AddSingleton&lt;IStakeReader, ...&gt;()</c> before <c>AddFabricRewards</c>, which only
/// adds <see cref="NoStakeReader"/> when none is registered).
/// </summary>
/// <remarks>
/// A device's reward weight for an hour is weighted uptime × (10,000 + bonus) / 10,000, so a bonus of 2,500 bps makes
/// a staked device's hour count 25% more. The answer for an epoch must not change once given: the reward grain writes
/// the epoch's plan before minting, so a later answer is never read for the same epoch.
/// </remarks>
public interface IStakeReader
{
    /// <summary>
    /// The bonus in basis points (0 to 100,000) of each device among <paramref name="deviceIds"/> that was staked in
    /// the hour starting at <paramref name="hourStart"/>; devices left out have no bonus. <paramref name="stakeBonusBps"/>
    /// is the network's bonus for a staked device (the live "reward-stake-bonus-bps" parameter).
    /// </summary>
    Task<IReadOnlyDictionary<string, int>> BonusBpsAsync(DateTimeOffset hourStart, IReadOnlyCollection<string> deviceIds, int stakeBonusBps);
}

/// <summary>No staking yet: no device has a bonus.</summary>
public sealed class NoStakeReader : IStakeReader
{
    private static readonly IReadOnlyDictionary<string, int> None = new Dictionary<string, int>();

    public Task<IReadOnlyDictionary<string, int>> BonusBpsAsync(DateTimeOffset hourStart, IReadOnlyCollection<string> deviceIds, int stakeBonusBps) =>
        Task.FromResult(None);
}

/// <summary>Told after each mint of a distribution (metrics; tests inject faults here to stop a distribution half-way).</summary>
public interface IRewardProgress
{
    ValueTask MintedAsync(string stream, long epoch, int applied, int total);
}

/// <summary>Observes nothing.</summary>
public sealed class NoRewardProgress : IRewardProgress
{
    public ValueTask MintedAsync(string stream, long epoch, int applied, int total) => ValueTask.CompletedTask;
}
