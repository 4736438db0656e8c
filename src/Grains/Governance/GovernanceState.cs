using System.Collections.Immutable;

namespace Fabric.Governance;

/// <summary>What the governance grain keeps in storage.</summary>
[GenerateSerializer, Alias("fabric.GovernanceState")]
public sealed record GovernanceState
{
    /// <summary>Every proposal by id.</summary>
    [Id(0)] public ImmutableSortedDictionary<long, ProposalDetails> Proposals { get; init; } = ImmutableSortedDictionary<long, ProposalDetails>.Empty;

    /// <summary>Votes per proposal, by voter address.</summary>
    [Id(1)] public ImmutableDictionary<long, ImmutableDictionary<string, ProposalVote>> Votes { get; init; } =
        ImmutableDictionary<long, ImmutableDictionary<string, ProposalVote>>.Empty;

    /// <summary>Applied request ids ("signer/request") with their expiry (unix ms): a replay is refused until then.</summary>
    [Id(2)] public ImmutableDictionary<string, long> SeenRequests { get; init; } = ImmutableDictionary<string, long>.Empty;

    [Id(3)] public long NextId { get; init; } = 1;
}
