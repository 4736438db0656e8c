namespace Fabric.Jobs;

/// <summary>What a worker is told to do with one rank.</summary>
[GenerateSerializer, Alias("fabric.WorkKind")]
public enum WorkKind
{
    Start = 0,
    Stop = 1,
}

/// <summary>
/// One instruction to a worker, for one device: start a rank of a job (with everything its process needs to join the
/// others) or stop it. <see cref="ReportToken"/> authenticates what the worker reports back about this rank.
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.WorkOrder")]
public sealed record WorkOrder
{
    [Id(0)] public required WorkKind Kind { get; init; }
    [Id(1)] public required string DeviceId { get; init; }
    [Id(2)] public required string JobId { get; init; }
    [Id(3)] public required string ClusterId { get; init; }
    [Id(4)] public required int Rank { get; init; }
    [Id(5)] public required int WorldSize { get; init; }
    [Id(6)] public required int Attempt { get; init; }
    [Id(7)] public required IReadOnlyList<string> Command { get; init; }
    [Id(8)] public required string MasterAddr { get; init; }
    [Id(9)] public required int MasterPort { get; init; }
    [Id(10)] public required Guid ReportToken { get; init; }
}

/// <summary>A batch of orders from a worker's inbox.</summary>
[GenerateSerializer, Immutable, Alias("fabric.WorkBatch")]
public sealed record WorkBatch
{
    /// <summary>Changes when the inbox was re-created (its silo failed): the worker then asks each device for its work.</summary>
    [Id(0)] public required Guid Epoch { get; init; }

    /// <summary>Pass back to receive only later orders.</summary>
    [Id(1)] public required long Cursor { get; init; }
    [Id(2)] public required IReadOnlyList<WorkOrder> Orders { get; init; }
}

/// <summary>What a worker reports about a rank's process.</summary>
[GenerateSerializer, Alias("fabric.RankEvent")]
public enum RankEvent
{
    Started = 0,
    Exited = 1,
    StartFailed = 2,
}

[GenerateSerializer, Immutable, Alias("fabric.RankReport")]
public sealed record RankReport
{
    [Id(0)] public required string JobId { get; init; }
    [Id(1)] public required int Rank { get; init; }
    [Id(2)] public required int Attempt { get; init; }
    [Id(3)] public required RankEvent Event { get; init; }
    [Id(4)] public int? Pid { get; init; }
    [Id(5)] public int? ExitCode { get; init; }
    [Id(6)] public string? Message { get; init; }
}

/// <summary>Which stream a log chunk came from.</summary>
[GenerateSerializer, Alias("fabric.OutputSource")]
public enum OutputSource
{
    Stdout = 0,
    Stderr = 1,
    /// <summary>Fabric's own lines (attempts, restarts, dropped output).</summary>
    Fabric = 2,
}

/// <summary>A piece of a job's output. Sequences are per job and contiguous, so a reader resumes from a cursor.</summary>
[GenerateSerializer, Immutable, Alias("fabric.LogChunk")]
public sealed record LogChunk
{
    [Id(0)] public required long Sequence { get; init; }
    [Id(1)] public required int Rank { get; init; }
    [Id(2)] public required OutputSource Stream { get; init; }
    [Id(3)] public required string Text { get; init; }
    [Id(4)] public required DateTimeOffset At { get; init; }
}

/// <summary>
/// How far a job has a rank's output: the worker keeps every chunk after <see cref="Durable"/>, and sends again those
/// after <see cref="Seen"/> (a job reactivated after its silo died has lost what it had not yet written).
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.LogAck")]
public sealed record LogAck
{
    /// <summary>The worker's highest sequence the job holds in memory (-1: none).</summary>
    [Id(0)] public required long Seen { get; init; }

    /// <summary>The worker's highest sequence the job has written to storage (-1: none); never above <see cref="Seen"/>.</summary>
    [Id(1)] public required long Durable { get; init; }
}

/// <summary>Chunks after a cursor, and the cursor to pass next.</summary>
[GenerateSerializer, Immutable, Alias("fabric.LogPage")]
public sealed record LogPage
{
    [Id(0)] public required IReadOnlyList<LogChunk> Chunks { get; init; }
    [Id(1)] public required long Next { get; init; }

    /// <summary>True once the job ended and every chunk was read.</summary>
    [Id(2)] public required bool Complete { get; init; }

    /// <summary>Chunks dropped from the front (the log keeps a bounded tail).</summary>
    [Id(3)] public required long Dropped { get; init; }
}
