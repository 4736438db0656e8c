using System.Collections.Immutable;

namespace Fabric.Jobs;

/// <summary>What a job grain keeps in storage (its output is kept apart, in <see cref="JobLogState"/>).</summary>
[GenerateSerializer, Alias("fabric.JobState")]
public sealed record JobState
{
    [Id(0)] public JobDetails? Job { get; init; }

    /// <summary>Report token of each attempt, in order: a worker's reports must carry its attempt's token.</summary>
    [Id(1)] public ImmutableList<Guid> Tokens { get; init; } = [];
}

/// <summary>The tail of a job's output, bounded, in sequence order.</summary>
[GenerateSerializer, Alias("fabric.JobLogState")]
public sealed record JobLogState
{
    [Id(0)] public ImmutableList<LogChunk> Chunks { get; init; } = [];

    /// <summary>Sequence the next chunk gets.</summary>
    [Id(1)] public long Next { get; init; }

    /// <summary>Chunks dropped from the front to keep the log within its bound.</summary>
    [Id(2)] public long Dropped { get; init; }
    [Id(3)] public long Bytes { get; init; }

    /// <summary>Highest worker sequence taken per "attempt/rank", so a resent chunk is not stored twice.</summary>
    [Id(4)] public ImmutableDictionary<string, long> Seen { get; init; } = ImmutableDictionary<string, long>.Empty;
}
