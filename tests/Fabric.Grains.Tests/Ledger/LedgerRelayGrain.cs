using Fabric.Ledger;

namespace Fabric.Tests.Ledger;

/// <summary>
/// Test-only grain that forwards commands to the ledger, so tests reach <see cref="SiloOnlyAttribute"/> methods the
/// way cluster grains (clusters, rewards) will: grain to grain. Calls straight from a client are refused.
/// </summary>
[Alias("fabric.tests.ILedgerRelayGrain")]
public interface ILedgerRelayGrain : IGrainWithIntegerKey
{
    [Alias("Apply")]
    Task<LedgerReceipt> ApplyAsync(LedgerCommand command);
}

public sealed class LedgerRelayGrain : Grain, ILedgerRelayGrain
{
    public Task<LedgerReceipt> ApplyAsync(LedgerCommand command) =>
        GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).ApplyAsync(command);
}
