namespace Fabric.Governance;

/// <summary>
/// The live network parameters (key <see cref="NetworkKey"/>): defaults from configuration folded with every
/// parameter change the ledger records. Fees, placement, staking, burn and rewards read them here.
/// </summary>
[Alias("fabric.IParametersGrain")]
public interface IParametersGrain : IGrainWithStringKey
{
    const string NetworkKey = "network";

    /// <summary>The current values.</summary>
    [Alias("Get")]
    Task<NetworkParameters> GetAsync();

    /// <summary>
    /// Records a change in the ledger (operation id <paramref name="operationId"/>, once) and makes it current. Only
    /// governance calls it, after a proposal passed and its delay ran out.
    /// </summary>
    [Alias("Apply"), SiloOnly]
    Task<NetworkParameters> ApplyAsync(string operationId, string name, long value, string memo);
}
