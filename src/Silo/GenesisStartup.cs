using Fabric.Ledger;

namespace Fabric.Silo;

/// <summary>
/// Wakes the ledger once the silo serves, so genesis is minted at the first start rather than at the first payment;
/// the ledger makes repeats (every start of every silo) no-ops.
/// </summary>
public sealed class GenesisStartup(IGrainFactory grains) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        grains.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).GetHeadAsync().WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
