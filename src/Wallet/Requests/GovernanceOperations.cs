namespace Fabric.Wallet.Requests;

/// <summary>Operation names of governance requests, signed by the proposer, the voter or anyone (execute).</summary>
public static class GovernanceOperations
{
    /// <summary>Propose a parameter change (<see cref="ProposePayload"/>).</summary>
    public const string Propose = "gov.propose";

    /// <summary>Vote on a proposal (<see cref="VotePayload"/>).</summary>
    public const string Vote = "gov.vote";

    /// <summary>Execute a passed proposal whose delay ran out (<see cref="ProposalRefPayload"/>).</summary>
    public const string Execute = "gov.execute";
}

/// <summary>Arguments of <see cref="GovernanceOperations.Propose"/>: a parameter's governance name and its new value.</summary>
public sealed record ProposePayload(string Parameter, long Value, string Reason)
{
    public byte[] Encode() => new PayloadWriter().Text(Parameter).Number(Value).Text(Reason).ToArray();

    public static ProposePayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new ProposePayload(r.Text("parameter"), r.Number("value"), r.Text("reason"));
        r.End();
        return decoded;
    }
}

/// <summary>Arguments of <see cref="GovernanceOperations.Vote"/>: yes (1) or no (0).</summary>
public sealed record VotePayload(long ProposalId, bool Yes)
{
    public byte[] Encode() => new PayloadWriter().Number(ProposalId).Number(Yes ? 1 : 0).ToArray();

    public static VotePayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var id = r.Number("proposal");
        var yes = r.Number("yes") switch
        {
            0 => false,
            1 => true,
            _ => throw new WalletException("Payload field 'yes' must be 0 or 1."),
        };
        r.End();
        return new VotePayload(id, yes);
    }
}

/// <summary>Arguments of <see cref="GovernanceOperations.Execute"/>.</summary>
public sealed record ProposalRefPayload(long ProposalId)
{
    public byte[] Encode() => new PayloadWriter().Number(ProposalId).ToArray();

    public static ProposalRefPayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new ProposalRefPayload(r.Number("proposal"));
        r.End();
        return decoded;
    }
}
