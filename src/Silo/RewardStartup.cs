using Fabric.Rewards;

namespace Fabric.Silo;

/// <summary>
/// Starts the network's reward stream once the silo serves: registers its hourly reminder (idempotent, every start of
/// every silo) and lets it catch up on hours missed while the cluster was down.
/// </summary>
public sealed class RewardStartup(IGrainFactory grains) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        grains.GetGrain<IRewardGrain>(IRewardGrain.NetworkKey).StartAsync().WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
