namespace Fabric.Governance;

/// <summary>
/// The rules of governance itself, bound from "Fabric:Governance". They are configuration, not governable
/// parameters: changing how votes count is for the operators, not for a vote.
/// </summary>
public sealed class GovernanceOptions
{
    public const string Section = "Fabric:Governance";

    /// <summary>Whole IO (available + held) a wallet must hold to propose: 100,000 IO.</summary>
    public long ProposalThresholdIo { get; set; } = 100_000;

    /// <summary>Cast weight (yes + no) needed, as a share of the IO in existence at the snapshot: 400 = 4%.</summary>
    public int QuorumBps { get; set; } = 400;

    /// <summary>Yes must be more than this share of the cast weight: 5,000 = more than 50%.</summary>
    public int MajorityBps { get; set; } = 5_000;

    /// <summary>How long a proposal takes votes.</summary>
    public TimeSpan VotingPeriod { get; set; } = TimeSpan.FromDays(3);

    /// <summary>Time between the end of voting and the earliest execution of a passed proposal.</summary>
    public TimeSpan ExecutionDelay { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Longest reason text a proposal may carry.</summary>
    public int MaxReasonLength { get; set; } = 512;

    public void Validate()
    {
        Require(ProposalThresholdIo >= 0, "Fabric:Governance:ProposalThresholdIo must not be negative.");
        Require(QuorumBps is >= 0 and <= 10_000, "Fabric:Governance:QuorumBps must be 0 to 10000.");
        Require(MajorityBps is >= 0 and < 10_000, "Fabric:Governance:MajorityBps must be 0 to 9999.");
        Require(VotingPeriod > TimeSpan.Zero && ExecutionDelay >= TimeSpan.Zero,
            "Fabric:Governance:VotingPeriod must be positive and ExecutionDelay not negative.");
        Require(MaxReasonLength is > 0 and <= 1024, "Fabric:Governance:MaxReasonLength must be 1 to 1024.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
