namespace Fabric.Jobs;

/// <summary>A job as readers see it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.JobDetails")]
public sealed record JobDetails
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required JobSpec Spec { get; init; }
    [Id(2)] public required JobStatus Status { get; init; }

    /// <summary>Why the job is in its status, in words a renter understands.</summary>
    [Id(3)] public required string Reason { get; init; }
    [Id(4)] public required DateTimeOffset SubmittedAt { get; init; }
    [Id(5)] public required DateTimeOffset UpdatedAt { get; init; }
}
