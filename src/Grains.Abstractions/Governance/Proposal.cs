namespace Fabric.Governance;

/// <summary>Where a proposal stands.</summary>
[GenerateSerializer, Alias("fabric.ProposalStatus")]
public enum ProposalStatus
{
    /// <summary>Taking votes until <see cref="ProposalDetails.VotingEndsAt"/>.</summary>
    Voting = 0,

    /// <summary>Quorum and majority met; executes from <see cref="ProposalDetails.ExecutableAt"/>.</summary>
    Passed = 1,

    /// <summary>Closed without quorum or majority; never executes.</summary>
    Rejected = 2,

    /// <summary>The change is in the ledger and current.</summary>
    Executed = 3,

    /// <summary>Passed, but the change was refused when executed (it no longer fits its bounds).</summary>
    Failed = 4,
}

/// <summary>A proposal to change one parameter, its tally and its outcome. Weights are IO base units.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ProposalDetails")]
public sealed record ProposalDetails
{
    [Id(0)] public required long Id { get; init; }
    [Id(1)] public required string Proposer { get; init; }
    [Id(2)] public required string Parameter { get; init; }
    [Id(3)] public required long Value { get; init; }

    /// <summary>The parameter's value when the proposal was made.</summary>
    [Id(4)] public required long ValueBefore { get; init; }
    [Id(5)] public required string Reason { get; init; }
    [Id(6)] public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Ledger sequence whose balances weigh the votes (the head when the proposal was made).</summary>
    [Id(7)] public required long SnapshotSequence { get; init; }

    /// <summary>IO in existence (minted − burned) at the snapshot, base units.</summary>
    [Id(8)] public required long CirculatingAtSnapshot { get; init; }

    /// <summary>Cast weight needed for quorum, base units.</summary>
    [Id(9)] public required long QuorumWeight { get; init; }
    [Id(10)] public required DateTimeOffset VotingEndsAt { get; init; }

    /// <summary>Earliest execution (voting end + the execution delay).</summary>
    [Id(11)] public required DateTimeOffset ExecutableAt { get; init; }
    [Id(12)] public required ProposalStatus Status { get; init; }
    [Id(13)] public required long YesWeight { get; init; }
    [Id(14)] public required long NoWeight { get; init; }
    [Id(15)] public required int Voters { get; init; }

    /// <summary>Why it stands where it stands, in words.</summary>
    [Id(16)] public required string Outcome { get; init; }

    /// <summary>Ledger sequence of the parameter event, once executed.</summary>
    [Id(17)] public long? ExecutedSequence { get; init; }
    [Id(18)] public DateTimeOffset? ExecutedAt { get; init; }
}

/// <summary>One wallet's vote.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ProposalVote")]
public sealed record ProposalVote
{
    [Id(0)] public required string Voter { get; init; }
    [Id(1)] public required bool Yes { get; init; }

    /// <summary>IO base units the voter held (available + held) at the proposal's snapshot.</summary>
    [Id(2)] public required long Weight { get; init; }
    [Id(3)] public required DateTimeOffset At { get; init; }
}

/// <summary>A proposal with its votes.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ProposalView")]
public sealed record ProposalView
{
    [Id(0)] public required ProposalDetails Proposal { get; init; }
    [Id(1)] public required IReadOnlyList<ProposalVote> Votes { get; init; }
}
