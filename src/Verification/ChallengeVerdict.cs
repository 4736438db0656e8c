namespace Fabric.Verification;

/// <summary>The checker's judgement of one answer; recorded whether it passed or not.</summary>
public sealed record ChallengeVerdict
{
    /// <summary>The challenge judged (<see cref="Guid.Empty"/> when no spec was given).</summary>
    public required Guid ChallengeId { get; init; }

    public required VerdictReason Reason { get; init; }

    /// <summary>One sentence saying what was found.</summary>
    public required string Detail { get; init; }

    /// <summary>Root received minus issued: the time the device showed, transit included.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>
    /// Leaves × Rounds / <see cref="Elapsed"/> in seconds when passed; 0 when failed (a wrong or late answer
    /// measures nothing, so it can never be tiered).
    /// </summary>
    public required double MeasuredHashesPerSecond { get; init; }

    /// <summary>SHA-256 evaluations the checker spent (at most k × (Rounds + log2(Leaves) + 1)).</summary>
    public required long HashesComputed { get; init; }

    public bool Passed => Reason == VerdictReason.Passed;
}
