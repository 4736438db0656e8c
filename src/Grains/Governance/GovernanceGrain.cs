using System.Collections.Immutable;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Persistence;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using static Fabric.Rejections;

namespace Fabric.Governance;

/// <summary>
/// Parameter governance for the whole network (key "network"). Guarantees, each tested:
/// a proposal needs the proposer to hold at least <see cref="GovernanceOptions.ProposalThresholdIo"/> (available + held)
/// and a value within the parameter's bounds; votes weigh the voter's IO at the proposal's snapshot (the ledger head
/// when it was made), so IO moved afterwards counts for no one twice; one vote per wallet; no vote after voting closed;
/// a proposal passes only with quorum (cast ≥ <see cref="GovernanceOptions.QuorumBps"/> of the IO in existence at the
/// snapshot) and majority (yes &gt; <see cref="GovernanceOptions.MajorityBps"/> of cast), and executes no earlier than
/// <see cref="GovernanceOptions.ExecutionDelay"/> after voting closed, exactly once, as a ledger event. Every request is
/// signed; a replayed one is refused.
/// </summary>
public sealed partial class GovernanceGrain(
    [PersistentState("governance", "fabric")] IPersistentState<GovernanceState> state,
    LedgerStore store,
    IOptions<GovernanceOptions> options,
    IOptions<NetworkOptions> network,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    ILogger<GovernanceGrain> logger) : Grain, IGovernanceGrain, IRemindable
{
    private const string ReminderName = "governance";
    private readonly SignedRequestGate _gate = new(network.Value, time);

    private IParametersGrain Parameters => GrainFactory.GetGrain<IParametersGrain>(IParametersGrain.NetworkKey);

    public async Task<ProposalDetails> SubmitAsync(SignedEnvelope request)
    {
        if (!WalletAddress.TryParse(request.Signer, out var signer, out var error))
        {
            throw new FabricRejectedException($"The request's signer address is malformed: {error}");
        }

        var verified = _gate.Verify(request, signer);
        var seenKey = SignedRequestGate.OperationId(verified);
        Require(!state.State.SeenRequests.ContainsKey(seenKey),
            $"Request {verified.RequestId} was already applied to governance; a replay changes nothing.");
        return verified.Operation switch
        {
            GovernanceOperations.Propose => await ProposeAsync(verified, seenKey),
            GovernanceOperations.Vote => await VoteAsync(verified, seenKey),
            GovernanceOperations.Execute => await ExecuteRequestAsync(verified, seenKey),
            _ => throw new FabricRejectedException($"'{verified.Operation}' is not a governance operation (gov.propose, gov.vote, gov.execute)."),
        };
    }

    public Task<Page<ProposalDetails>> ListAsync(PageRequest page)
    {
        try
        {
            page.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FabricRejectedException(e.Message);
        }

        var all = state.State.Proposals.Values.Reverse().ToList();
        return Task.FromResult(new Page<ProposalDetails> { Items = [.. all.Skip(page.Skip).Take(page.Take)], Total = all.Count });
    }

    public Task<ProposalView?> GetAsync(long id) => Task.FromResult(
        state.State.Proposals.TryGetValue(id, out var proposal)
            ? new ProposalView
            {
                Proposal = proposal,
                Votes = [.. state.State.Votes.GetValueOrDefault(id, ImmutableDictionary<string, ProposalVote>.Empty).Values
                    .OrderBy(v => v.At).ThenBy(v => v.Voter, StringComparer.Ordinal)],
            }
            : null);

    public async Task TickAsync()
    {
        var now = time.GetUtcNow();
        foreach (var id in state.State.Proposals.Keys.ToList())
        {
            var proposal = state.State.Proposals[id];
            if (proposal.Status == ProposalStatus.Voting && now >= proposal.VotingEndsAt)
            {
                proposal = await CloseAsync(proposal);
            }

            if (proposal.Status == ProposalStatus.Passed && now >= proposal.ExecutableAt)
            {
                await ExecuteAsync(proposal, now);
            }
        }

        if (!state.State.Proposals.Values.Any(IsOpen) && await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => TickAsync();

    private async Task<ProposalDetails> ProposeAsync(SignedRequest request, string seenKey)
    {
        var payload = SignedRequestGate.Decode(request, p => ProposePayload.Decode(p.Span));
        var rules = options.Value;
        Require(payload.Reason.Length <= rules.MaxReasonLength && !payload.Reason.Contains('\n', StringComparison.Ordinal),
            $"A proposal's reason is one line of at most {rules.MaxReasonLength} characters.");
        var current = await Parameters.GetAsync();
        var values = current.ByNames();
        if (ParameterCatalog.Check(payload.Parameter, payload.Value, values) is { } problem)
        {
            throw new FabricRejectedException(problem);
        }

        Require(values[payload.Parameter] != payload.Value, $"{payload.Parameter} is {payload.Value} already.");

        var proposer = request.Signer.ToString();
        var snapshot = await GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).GetHeadAsync();
        var held = await store.ReadHoldingAsOfAsync(proposer, Token.IO, snapshot);
        var threshold = Token.IO.ToBaseUnits(rules.ProposalThresholdIo);
        Require(held >= threshold,
            $"Proposing needs at least {rules.ProposalThresholdIo} IO; {proposer} holds {Token.IO.FromBaseUnits(held)} IO.");

        var (minted, burned) = await store.ReadSupplyAsOfAsync(Token.IO, snapshot);
        var circulating = minted - burned;
        var now = time.GetUtcNow();
        var ends = now + rules.VotingPeriod;
        var proposal = new ProposalDetails
        {
            Id = state.State.NextId,
            Proposer = proposer,
            Parameter = payload.Parameter,
            Value = payload.Value,
            ValueBefore = values[payload.Parameter],
            Reason = payload.Reason,
            CreatedAt = now,
            SnapshotSequence = snapshot,
            CirculatingAtSnapshot = circulating,
            // Rounded up: quorum is never less than its share.
            QuorumWeight = (long)(((Int128)circulating * rules.QuorumBps + 9_999) / 10_000),
            VotingEndsAt = ends,
            ExecutableAt = ends + rules.ExecutionDelay,
            Status = ProposalStatus.Voting,
            YesWeight = 0,
            NoWeight = 0,
            Voters = 0,
            Outcome = $"voting until {ends:u}",
        };
        await state.WriteAsync(state.State with
        {
            Proposals = state.State.Proposals.Add(proposal.Id, proposal),
            NextId = proposal.Id + 1,
            SeenRequests = Remember(request, seenKey),
        });
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        LogProposed(logger, proposal.Id, proposer, proposal.Parameter, proposal.Value);
        return proposal;
    }

    private async Task<ProposalDetails> VoteAsync(SignedRequest request, string seenKey)
    {
        var payload = SignedRequestGate.Decode(request, p => VotePayload.Decode(p.Span));
        var proposal = Find(payload.ProposalId);
        var now = time.GetUtcNow();
        Require(proposal.Status == ProposalStatus.Voting && now < proposal.VotingEndsAt,
            $"Voting on proposal {proposal.Id} closed at {proposal.VotingEndsAt:u}; it is {Describe(proposal.Status)}.");
        var voter = request.Signer.ToString();
        var votes = state.State.Votes.GetValueOrDefault(proposal.Id, ImmutableDictionary<string, ProposalVote>.Empty);
        Require(!votes.TryGetValue(voter, out var earlier),
            $"{voter} already voted {(earlier?.Yes == true ? "yes" : "no")} on proposal {proposal.Id}; one vote per wallet.");
        var weight = await store.ReadHoldingAsOfAsync(voter, Token.IO, proposal.SnapshotSequence);
        Require(weight > 0, $"{voter} held no IO at proposal {proposal.Id}'s snapshot (ledger event #{proposal.SnapshotSequence}).");

        var vote = new ProposalVote { Voter = voter, Yes = payload.Yes, Weight = weight, At = now };
        var next = proposal with
        {
            YesWeight = proposal.YesWeight + (vote.Yes ? weight : 0),
            NoWeight = proposal.NoWeight + (vote.Yes ? 0 : weight),
            Voters = proposal.Voters + 1,
        };
        await state.WriteAsync(state.State with
        {
            Proposals = state.State.Proposals.SetItem(next.Id, next),
            Votes = state.State.Votes.SetItem(next.Id, votes.Add(voter, vote)),
            SeenRequests = Remember(request, seenKey),
        });
        LogVoted(logger, next.Id, voter, vote.Yes, weight);
        return next;
    }

    private async Task<ProposalDetails> ExecuteRequestAsync(SignedRequest request, string seenKey)
    {
        var payload = SignedRequestGate.Decode(request, p => ProposalRefPayload.Decode(p.Span));
        var proposal = Find(payload.ProposalId);
        var now = time.GetUtcNow();
        if (proposal.Status == ProposalStatus.Voting && now >= proposal.VotingEndsAt)
        {
            proposal = await CloseAsync(proposal);
        }

        Require(proposal.Status == ProposalStatus.Passed,
            proposal.Status == ProposalStatus.Voting
                ? $"Proposal {proposal.Id} is still voting until {proposal.VotingEndsAt:u}."
                : $"Proposal {proposal.Id} cannot be executed: it is {Describe(proposal.Status)} ({proposal.Outcome}).");
        Require(now >= proposal.ExecutableAt, $"Proposal {proposal.Id} passed; it can be executed from {proposal.ExecutableAt:u}.");
        var executed = await ExecuteAsync(proposal, now);
        await state.WriteAsync(state.State with { SeenRequests = Remember(request, seenKey) });
        return executed;
    }

    /// <summary>Tallies a proposal whose voting ended: passed with quorum and majority, otherwise rejected.</summary>
    private async Task<ProposalDetails> CloseAsync(ProposalDetails proposal)
    {
        var rules = options.Value;
        var cast = proposal.YesWeight + proposal.NoWeight;
        var quorum = cast > 0 && cast >= proposal.QuorumWeight;
        var majority = (Int128)proposal.YesWeight * 10_000 > (Int128)cast * rules.MajorityBps;
        var closed = (quorum, majority) switch
        {
            (false, _) => proposal with
            {
                Status = ProposalStatus.Rejected,
                Outcome = $"quorum not met: {Token.IO.FromBaseUnits(cast)} IO cast, {Token.IO.FromBaseUnits(proposal.QuorumWeight)} needed",
            },
            (true, false) => proposal with
            {
                Status = ProposalStatus.Rejected,
                Outcome = $"majority not reached: {Token.IO.FromBaseUnits(proposal.YesWeight)} IO yes of {Token.IO.FromBaseUnits(cast)} cast",
            },
            _ => proposal with
            {
                Status = ProposalStatus.Passed,
                Outcome = $"passed with {Token.IO.FromBaseUnits(proposal.YesWeight)} IO yes of {Token.IO.FromBaseUnits(cast)} cast; executable from {proposal.ExecutableAt:u}",
            },
        };
        await state.WriteAsync(state.State with { Proposals = state.State.Proposals.SetItem(closed.Id, closed) });
        LogClosed(logger, closed.Id, closed.Status, closed.Outcome);
        return closed;
    }

    /// <summary>Records the change in the ledger through the parameters grain (once: the operation id is the proposal's).</summary>
    private async Task<ProposalDetails> ExecuteAsync(ProposalDetails proposal, DateTimeOffset now)
    {
        ProposalDetails done;
        try
        {
            var parameters = await Parameters.ApplyAsync($"gov/proposal/{proposal.Id}", proposal.Parameter, proposal.Value,
                $"proposal {proposal.Id} by {proposal.Proposer}");
            var sequence = parameters.Values.First(v => v.Name == proposal.Parameter).ChangedAt;
            done = proposal with
            {
                Status = ProposalStatus.Executed,
                ExecutedAt = now,
                ExecutedSequence = sequence,
                Outcome = $"executed: {proposal.Parameter} = {proposal.Value} from ledger event #{sequence}",
            };
        }
        catch (FabricRejectedException e)
        {
            // The value no longer fits (another change made it invalid): the proposal fails, nothing changes.
            done = proposal with { Status = ProposalStatus.Failed, ExecutedAt = now, Outcome = $"failed: {e.Message}" };
        }

        await state.WriteAsync(state.State with { Proposals = state.State.Proposals.SetItem(done.Id, done) });
        LogExecuted(logger, done.Id, done.Status, done.Outcome);
        return done;
    }

    private ProposalDetails Find(long id) =>
        state.State.Proposals.TryGetValue(id, out var proposal) ? proposal : throw new FabricRejectedException($"No proposal has id {id}.");

    private static bool IsOpen(ProposalDetails p) => p.Status is ProposalStatus.Voting or ProposalStatus.Passed;

    private static string Describe(ProposalStatus status) => status.ToString().ToLowerInvariant();

    private ImmutableDictionary<string, long> Remember(SignedRequest request, string key)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var seen = state.State.SeenRequests;
        return seen.RemoveRange(seen.Where(r => r.Value <= now).Select(r => r.Key)).SetItem(key, request.ExpiresAtUnixMs);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Proposal {Id} by {Proposer}: {Parameter} = {Value}")]
    private static partial void LogProposed(ILogger logger, long id, string proposer, string parameter, long value);

    [LoggerMessage(Level = LogLevel.Information, Message = "Proposal {Id}: {Voter} voted yes={Yes} with {Weight} IO base units")]
    private static partial void LogVoted(ILogger logger, long id, string voter, bool yes, long weight);

    [LoggerMessage(Level = LogLevel.Information, Message = "Proposal {Id} closed {Status}: {Outcome}")]
    private static partial void LogClosed(ILogger logger, long id, ProposalStatus status, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Proposal {Id} {Status}: {Outcome}")]
    private static partial void LogExecuted(ILogger logger, long id, ProposalStatus status, string outcome);
}
