using Fabric.Economy;
using Fabric.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Fabric.Rewards;

/// <summary>Registers what the reward grain needs.</summary>
public static class RewardServiceCollectionExtensions
{
    /// <summary>
    /// The emission schedule of <paramref name="emission"/> (bad settings are an <see cref="ArgumentException"/>),
    /// the reward options, the reward tables, and the staking hook and progress observer unless already registered.
    /// </summary>
    public static IServiceCollection AddFabricRewards(
        this IServiceCollection services, EmissionOptions emission, RewardOptions rewards, FabricStorage storage)
    {
        var schedule = EmissionSchedule.Create(emission);
        services.AddSingleton(Options.Create(emission));
        services.AddSingleton(schedule);
        services.AddSingleton(Options.Create(rewards));
        services.AddSingleton(new RewardStore(storage));
        services.TryAddSingleton<IStakeReader, LedgerStakeReader>();
        services.TryAddSingleton<IRewardProgress, NoRewardProgress>();
        return services;
    }
}
