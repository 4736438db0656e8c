using Fabric.Governance;
using Fabric.Network;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Client;

/// <summary>Governance, live parameters and supply statistics.</summary>
public sealed partial class FabricClient
{
    /// <summary>Proposes setting <paramref name="parameter"/> to <paramref name="value"/> (signed by the proposer).</summary>
    public async Task<ProposalDetails> ProposeAsync(
        Keypair proposer, string parameter, long value, string reason, CancellationToken cancellationToken = default)
    {
        var request = await SignAsync(proposer, GovernanceOperations.Propose, new ProposePayload(parameter, value, reason).Encode(), cancellationToken: cancellationToken);
        return await CallAsync(c => Governance(c).SubmitAsync(ToEnvelope(request)), cancellationToken);
    }

    /// <summary>Votes yes or no on a proposal with the voter's IO at the proposal's snapshot.</summary>
    public async Task<ProposalDetails> VoteAsync(Keypair voter, long proposalId, bool yes, CancellationToken cancellationToken = default)
    {
        var request = await SignAsync(voter, GovernanceOperations.Vote, new VotePayload(proposalId, yes).Encode(), cancellationToken: cancellationToken);
        return await CallAsync(c => Governance(c).SubmitAsync(ToEnvelope(request)), cancellationToken);
    }

    /// <summary>Executes a passed proposal whose delay ran out (any wallet may sign it; the network also does it by itself).</summary>
    public async Task<ProposalDetails> ExecuteProposalAsync(Keypair signer, long proposalId, CancellationToken cancellationToken = default)
    {
        var request = await SignAsync(signer, GovernanceOperations.Execute, new ProposalRefPayload(proposalId).Encode(), cancellationToken: cancellationToken);
        return await CallAsync(c => Governance(c).SubmitAsync(ToEnvelope(request)), cancellationToken);
    }

    public Task<Page<ProposalDetails>> ListProposalsAsync(PageRequest page, CancellationToken cancellationToken = default) =>
        CallAsync(c => Governance(c).ListAsync(page), cancellationToken);

    public Task<ProposalView?> GetProposalAsync(long proposalId, CancellationToken cancellationToken = default) =>
        CallAsync(c => Governance(c).GetAsync(proposalId), cancellationToken);

    /// <summary>The network's current parameters.</summary>
    public Task<NetworkParameters> GetParametersAsync(CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IParametersGrain>(IParametersGrain.NetworkKey).GetAsync(), cancellationToken);

    /// <summary>Supply and market statistics.</summary>
    public Task<NetworkStats> GetNetworkStatsAsync(CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<INetworkStatsGrain>(INetworkStatsGrain.NetworkKey).GetAsync(), cancellationToken);

    private static IGovernanceGrain Governance(IClusterClient client) => client.GetGrain<IGovernanceGrain>(IGovernanceGrain.NetworkKey);
}
