using Fabric.Ledger;

namespace Fabric.Governance;

/// <summary>
/// Governance of the network's parameters (key <see cref="NetworkKey"/>): IO holders above a threshold propose a
/// change, holders vote with their IO at the proposal's snapshot, and a proposal that met quorum and majority is
/// executed after a delay, by anyone's signed request or by the grain's own reminder.
/// </summary>
[Alias("fabric.IGovernanceGrain")]
public interface IGovernanceGrain : IGrainWithStringKey
{
    const string NetworkKey = "network";

    /// <summary>Applies a signed gov.propose, gov.vote or gov.execute. A replayed request is refused.</summary>
    [Alias("Submit")]
    Task<ProposalDetails> SubmitAsync(SignedEnvelope request);

    /// <summary>Proposals, newest first.</summary>
    [Alias("List")]
    Task<Page<ProposalDetails>> ListAsync(PageRequest page);

    /// <summary>One proposal and its votes; null when there is none with that id.</summary>
    [Alias("Get")]
    Task<ProposalView?> GetAsync(long id);

    /// <summary>Closes proposals whose voting ended and executes those due (the reminder calls it every minute).</summary>
    [Alias("Tick")]
    Task TickAsync();
}
