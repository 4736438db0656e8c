using Fabric.Governance;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Tests.Ledger;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Tests.Governance;

/// <summary>Signed governance requests and funded voters, on the fixture's network and clock.</summary>
public sealed class GovernanceTestKit(ClusterFixture fixture)
{
    public LedgerTestKit Ledger { get; } = new(fixture);

    public IGovernanceGrain Governance => fixture.Grains.GetGrain<IGovernanceGrain>(IGovernanceGrain.NetworkKey);

    public IParametersGrain Parameters => fixture.Grains.GetGrain<IParametersGrain>(IParametersGrain.NetworkKey);

    public static long Io(long whole) => Token.IO.ToBaseUnits(whole);

    public static SignedEnvelope ProposeRequest(Keypair proposer, string parameter, long value, string reason = "test") =>
        LedgerTestKit.Sign(proposer, GovernanceOperations.Propose, new ProposePayload(parameter, value, reason).Encode());

    public static SignedEnvelope VoteRequest(Keypair voter, long proposal, bool yes) =>
        LedgerTestKit.Sign(voter, GovernanceOperations.Vote, new VotePayload(proposal, yes).Encode());

    public static SignedEnvelope ExecuteRequest(Keypair anyone, long proposal) =>
        LedgerTestKit.Sign(anyone, GovernanceOperations.Execute, new ProposalRefPayload(proposal).Encode());

    public Task<ProposalDetails> ProposeAsync(Keypair proposer, string parameter, long value) =>
        Governance.SubmitAsync(ProposeRequest(proposer, parameter, value));

    public Task<ProposalDetails> VoteAsync(Keypair voter, long proposal, bool yes) =>
        Governance.SubmitAsync(VoteRequest(voter, proposal, yes));

    /// <summary>A wallet holding a tenth of all IO in existence now: alone it meets any quorum up to 9%.</summary>
    public async Task<Keypair> WhaleAsync()
    {
        var supply = (await Ledger.Ledger.VerifyAsync()).Supply.Single(s => s.Token == Token.IO);
        return await Ledger.FundedAsync(io: Math.Max(Io(200_000), (supply.Minted - supply.Burned) / 9));
    }

    /// <summary>
    /// Changes <paramref name="parameter"/> to <paramref name="value"/> through governance (a whale's proposal, its vote,
    /// the voting period and the delay: the clock moves five days), runs <paramref name="body"/>, then changes it back
    /// the same way: other tests of the collection expect the defaults.
    /// </summary>
    public async Task WithParameterAsync(string parameter, long value, Func<Task> body)
    {
        var before = (await Parameters.GetAsync()).ByNames()[parameter];
        var whale = await WhaleAsync();
        var changed = await PassAndExecuteAsync(whale, parameter, value);
        Assert.Equal(ProposalStatus.Executed, changed.Status);
        Assert.Equal(value, (await Parameters.GetAsync()).ByNames()[parameter]);
        try
        {
            await body();
        }
        finally
        {
            var restored = await PassAndExecuteAsync(whale, parameter, before);
            Assert.Equal(ProposalStatus.Executed, restored.Status);
        }
    }

    /// <summary>Takes a proposal through a yes vote of <paramref name="whale"/>, the voting period and the delay, then ticks.</summary>
    public async Task<ProposalDetails> PassAndExecuteAsync(Keypair whale, string parameter, long value)
    {
        var proposal = await ProposeAsync(whale, parameter, value);
        await VoteAsync(whale, proposal.Id, yes: true);
        ClusterFixture.Clock.Advance(proposal.ExecutableAt - ClusterFixture.Clock.GetUtcNow());
        await Governance.TickAsync();
        return (await Governance.GetAsync(proposal.Id))!.Proposal;
    }
}
