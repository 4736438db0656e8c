using Fabric.Buyback;

namespace Fabric.Silo;

/// <summary>
/// Starts the hourly buy-back's reminder once the silo serves; every silo does it at every start, which only
/// updates the same reminder.
/// </summary>
public sealed class BuybackStartup(IGrainFactory grains) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        grains.GetGrain<IBurnGrain>(IBurnGrain.NetworkKey).StartAsync().WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
