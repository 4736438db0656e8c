namespace Fabric.Jobs;

/// <summary>One rank of one attempt: the device it ran on and how it went.</summary>
[GenerateSerializer, Immutable, Alias("fabric.RankRun")]
public sealed record RankRun
{
    [Id(0)] public required int Rank { get; init; }
    [Id(1)] public required string DeviceId { get; init; }
    [Id(2)] public int? Pid { get; init; }
    [Id(3)] public DateTimeOffset? StartedAt { get; init; }
    [Id(4)] public DateTimeOffset? EndedAt { get; init; }
    [Id(5)] public int? ExitCode { get; init; }

    /// <summary>Why the rank ended when it was not a plain exit (start failure, killed, device lost).</summary>
    [Id(6)] public string? Note { get; init; }
}

/// <summary>One try at running the job on its cluster's ranks; a lost device starts a new attempt.</summary>
[GenerateSerializer, Immutable, Alias("fabric.JobAttempt")]
public sealed record JobAttempt
{
    /// <summary>1 for the first; FABRIC_RESTART_COUNT is Number − 1.</summary>
    [Id(0)] public required int Number { get; init; }
    [Id(1)] public required DateTimeOffset At { get; init; }
    [Id(2)] public required IReadOnlyList<RankRun> Ranks { get; init; }

    /// <summary>Why this attempt began (first run, device lost and rank re-placed).</summary>
    [Id(3)] public required string Reason { get; init; }

    /// <summary>Where rank 0's worker is reached (FABRIC_MASTER_ADDR of every rank).</summary>
    [Id(4)] public string MasterAddr { get; init; } = "";
}

/// <summary>A job as readers see it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.JobDetails")]
public sealed record JobDetails
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Renter { get; init; }
    [Id(2)] public required string ClusterId { get; init; }

    /// <summary>The program and its arguments, run as given (no shell).</summary>
    [Id(3)] public required IReadOnlyList<string> Command { get; init; }
    [Id(4)] public required JobStatus Status { get; init; }

    /// <summary>Why the job is in its status, in words a renter understands.</summary>
    [Id(5)] public required string Reason { get; init; }
    [Id(6)] public required DateTimeOffset SubmittedAt { get; init; }
    [Id(7)] public required DateTimeOffset UpdatedAt { get; init; }
    [Id(8)] public DateTimeOffset? StartedAt { get; init; }
    [Id(9)] public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Rank 0's exit code, or the first non-zero one, once the job ended.</summary>
    [Id(10)] public int? ExitCode { get; init; }
    [Id(11)] public required IReadOnlyList<JobAttempt> Attempts { get; init; }
}
