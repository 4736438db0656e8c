using Fabric.Governance;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Wallet;
using static Fabric.Tests.Governance.GovernanceTestKit;

namespace Fabric.Tests.Governance;

/// <summary>
/// Proposals, votes and execution: threshold, one vote per wallet, no vote after close, quorum and majority, the
/// execution delay, and the executed change recorded in the ledger and applied to the next capture.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GovernanceTests(ClusterFixture fixture)
{
    private readonly GovernanceTestKit _kit = new(fixture);

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_proposal_from_a_wallet_below_the_threshold_is_refused()
    {
        var small = await _kit.Ledger.FundedAsync(io: Io(99_999));

        var refused = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.ProposeAsync(small, ParameterCatalog.BookingFeeBps, 30));

        Assert.Contains("needs at least 100000 IO", refused.Message, StringComparison.Ordinal);
        Assert.Contains("99999 IO", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proposal_outside_the_parameters_bounds_or_for_an_unknown_parameter_is_refused()
    {
        var whale = await _kit.Ledger.FundedAsync(io: Io(100_000));

        var tooHigh = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.ProposeAsync(whale, ParameterCatalog.PaymentFeeIosdBps, 1_001));
        var unknown = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.ProposeAsync(whale, "free-money", 1));

        Assert.Contains("must be 0 to 1000", tooHigh.Message, StringComparison.Ordinal);
        Assert.Contains("not a governable parameter", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_vote_by_the_same_wallet_is_refused_and_a_replayed_vote_changes_nothing()
    {
        var proposer = await _kit.Ledger.FundedAsync(io: Io(100_000));
        var voter = await _kit.Ledger.FundedAsync(io: Io(5));
        var proposal = await _kit.ProposeAsync(proposer, ParameterCatalog.SlashShareBps, 1_500);
        var vote = VoteRequest(voter, proposal.Id, yes: true);

        var counted = await _kit.Governance.SubmitAsync(vote);
        var replay = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Governance.SubmitAsync(vote));
        var again = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.VoteAsync(voter, proposal.Id, yes: false));

        Assert.Equal(Io(5), counted.YesWeight);
        Assert.Contains("replay", replay.Message, StringComparison.Ordinal);
        Assert.Contains("already voted yes", again.Message, StringComparison.Ordinal);
        var view = (await _kit.Governance.GetAsync(proposal.Id))!;
        Assert.Equal((Io(5), 0L, 1), (view.Proposal.YesWeight, view.Proposal.NoWeight, view.Proposal.Voters));
        Assert.Single(view.Votes);
    }

    [Fact]
    public async Task Votes_weigh_the_IO_held_at_the_snapshot_not_IO_received_later()
    {
        var proposer = await _kit.Ledger.FundedAsync(io: Io(100_000));
        var voter = await _kit.Ledger.FundedAsync(io: Io(10));
        var proposal = await _kit.ProposeAsync(proposer, ParameterCatalog.BurnShareBps, 6_000);
        var late = await _kit.Ledger.FundedAsync(io: Io(1_000));
        await _kit.Ledger.Wallet(late).SubmitAsync(Fabric.Tests.Ledger.LedgerTestKit.Transfer(late, voter, Token.IO, Io(1_000)));

        var counted = await _kit.VoteAsync(voter, proposal.Id, yes: false);
        var none = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.VoteAsync(late, proposal.Id, yes: true));

        Assert.Equal(Io(10), counted.NoWeight);
        Assert.Contains("held no IO", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_vote_after_voting_closed_is_refused()
    {
        var proposer = await _kit.Ledger.FundedAsync(io: Io(100_000));
        var proposal = await _kit.ProposeAsync(proposer, ParameterCatalog.MinimumStakeIo, 250);

        ClusterFixture.Clock.Advance(proposal.VotingEndsAt - ClusterFixture.Clock.GetUtcNow());
        var refused = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.VoteAsync(proposer, proposal.Id, yes: true));

        Assert.Contains($"Voting on proposal {proposal.Id} closed", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_proposal_without_quorum_is_rejected_and_never_executes()
    {
        var before = await _kit.Parameters.GetAsync();
        var proposer = await _kit.Ledger.FundedAsync(io: Io(100_000));
        var proposal = await _kit.ProposeAsync(proposer, ParameterCatalog.RewardUltra, 12_000);
        await _kit.VoteAsync(proposer, proposal.Id, yes: true);

        ClusterFixture.Clock.Advance(proposal.ExecutableAt - ClusterFixture.Clock.GetUtcNow());
        await _kit.Governance.TickAsync();
        var refused = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Governance.SubmitAsync(ExecuteRequest(proposer, proposal.Id)));

        var closed = (await _kit.Governance.GetAsync(proposal.Id))!.Proposal;
        Assert.Equal(ProposalStatus.Rejected, closed.Status);
        Assert.StartsWith("quorum not met", closed.Outcome, StringComparison.Ordinal);
        Assert.Contains("rejected", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before.RewardTiers.UltraBps, (await _kit.Parameters.GetAsync()).RewardTiers.UltraBps);
    }

    [Fact]
    public async Task A_proposal_with_quorum_but_no_majority_is_rejected()
    {
        var whale = await _kit.WhaleAsync();
        var against = await _kit.WhaleAsync();
        var proposal = await _kit.ProposeAsync(whale, ParameterCatalog.RewardLow, 3_000);
        await _kit.VoteAsync(whale, proposal.Id, yes: true);
        await _kit.VoteAsync(against, proposal.Id, yes: false);

        ClusterFixture.Clock.Advance(proposal.VotingEndsAt - ClusterFixture.Clock.GetUtcNow());
        await _kit.Governance.TickAsync();

        var closed = (await _kit.Governance.GetAsync(proposal.Id))!.Proposal;
        Assert.Equal(ProposalStatus.Rejected, closed.Status);
        Assert.StartsWith("majority not reached", closed.Outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_passed_proposal_executes_only_after_the_delay_is_recorded_in_the_ledger_and_sets_the_next_captures_fee()
    {
        var whale = await _kit.WhaleAsync();
        var original = await _kit.Parameters.GetAsync();
        var proposal = await _kit.ProposeAsync(whale, ParameterCatalog.PaymentFeeIosdBps, 300);
        await _kit.VoteAsync(whale, proposal.Id, yes: true);

        // Voting over, delay not: passed, but too early to execute.
        ClusterFixture.Clock.Advance(proposal.VotingEndsAt - ClusterFixture.Clock.GetUtcNow());
        var early = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Governance.SubmitAsync(ExecuteRequest(whale, proposal.Id)));
        Assert.Contains("can be executed from", early.Message, StringComparison.Ordinal);
        Assert.Equal(200, (await _kit.Parameters.GetAsync()).PaymentFeeIosdBps);

        try
        {
            ClusterFixture.Clock.Advance(proposal.ExecutableAt - ClusterFixture.Clock.GetUtcNow());
            await _kit.Governance.TickAsync();

            var executed = (await _kit.Governance.GetAsync(proposal.Id))!.Proposal;
            Assert.Equal(ProposalStatus.Executed, executed.Status);
            var current = await _kit.Parameters.GetAsync();
            Assert.Equal(300, current.PaymentFeeIosdBps);
            Assert.Equal(executed.ExecutedSequence, current.Version);

            // Recorded in the ledger: a parameter event without postings, and the ledger still verifies.
            var recorded = (await _kit.Ledger.Ledger.TailAsync(50)).Single(e => e.Sequence == executed.ExecutedSequence);
            Assert.Equal(("parameter", $"gov/proposal/{proposal.Id}"), (recorded.Kind, recorded.OperationId));
            Assert.StartsWith("payment-fee-iosd-bps=300; proposal", recorded.Memo, StringComparison.Ordinal);
            Assert.Empty(recorded.Postings);
            Assert.Empty((await _kit.Ledger.Ledger.VerifyAsync()).Problems);

            // The next capture pays 3%; one pinned to the parameters before the change still pays the 2% it escrowed.
            var (renter, holdId) = await HoldAsync(Token.IOSD, 100_000_000);
            await CaptureAsync(holdId, 10_000_000, feesAsOf: null);
            Assert.Equal((0, 100_000_000 - 10_300_000), await _kit.Ledger.BalanceAsync(renter, Token.IOSD));
            await CaptureAsync(holdId, 10_000_000, feesAsOf: original.Version);
            Assert.Equal((0, 100_000_000 - 10_300_000 - 10_200_000), await _kit.Ledger.BalanceAsync(renter, Token.IOSD));
        }
        finally
        {
            // Other tests of the collection expect the configured 2%.
            var restored = await _kit.PassAndExecuteAsync(await _kit.WhaleAsync(), ParameterCatalog.PaymentFeeIosdBps, 200);
            Assert.Equal(ProposalStatus.Executed, restored.Status);
        }

        Assert.Equal(200, (await _kit.Parameters.GetAsync()).PaymentFeeIosdBps);
    }

    [Fact]
    public async Task Proposals_are_listed_newest_first()
    {
        var proposer = await _kit.Ledger.FundedAsync(io: Io(100_000));
        var first = await _kit.ProposeAsync(proposer, ParameterCatalog.WeightLoad, 1_500);
        var second = await _kit.ProposeAsync(proposer, ParameterCatalog.WeightRegion, 500);

        var page = await _kit.Governance.ListAsync(new PageRequest { Take = 2 });

        Assert.Equal([second.Id, first.Id], page.Items.Select(p => p.Id));
    }

    private async Task<(Keypair Renter, string HoldId)> HoldAsync(Token token, long amount)
    {
        var renter = await _kit.Ledger.FundedAsync(iosd: amount);
        var holdId = NewId("hold");
        await _kit.Ledger.InsideLedger.ApplyAsync(new HoldCommand
        {
            OperationId = NewId("op"), HoldId = holdId, Owner = renter.Address.ToString(), Token = token, Amount = amount,
        });
        return (renter, holdId);
    }

    private Task<LedgerReceipt> CaptureAsync(string holdId, long amount, long? feesAsOf) =>
        _kit.Ledger.InsideLedger.ApplyAsync(new CaptureCommand
        {
            OperationId = NewId("op"),
            HoldId = holdId,
            Payouts = [new Payout { To = Keypair.Generate().Address.ToString(), Amount = amount }],
            PaymentFeeAsOf = feesAsOf,
        });
}
