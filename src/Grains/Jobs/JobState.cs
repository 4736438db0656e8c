namespace Fabric.Jobs;

/// <summary>What a job grain keeps in storage.</summary>
[GenerateSerializer, Alias("fabric.JobState")]
public sealed record JobState
{
    /// <summary>The accepted job; null until submission.</summary>
    [Id(0)] public JobDetails? Job { get; init; }
}
