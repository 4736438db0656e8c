using Fabric.Money;

namespace Fabric.Clusters;

/// <summary>How urgently a request wants GPUs; the scheduler ages waiting requests so low never starves.</summary>
[GenerateSerializer, Alias("fabric.Priority")]
public enum Priority
{
    Low = 0,
    Normal = 1,
    High = 2,
    Urgent = 3,
}

/// <summary>What a renter asks for: GPUs of some models, for some hours, at up to some price.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ClusterSpec")]
public sealed record ClusterSpec
{
    [Id(0)] public required int Gpus { get; init; }

    /// <summary>Acceptable models (case-insensitive); empty means any.</summary>
    [Id(1)] public IReadOnlyList<string> Models { get; init; } = [];
    [Id(2)] public int MinVramMib { get; init; }

    /// <summary>Region wanted; null means any.</summary>
    [Id(3)] public string? Region { get; init; }

    /// <summary>Highest price per GPU-hour the renter accepts (IOSD base units); null lets the deploy choose it.</summary>
    [Id(4)] public long? MaxPricePerHour { get; init; }
    [Id(5)] public required int Hours { get; init; }
    [Id(6)] public Token Pay { get; init; } = Token.IOSD;
    [Id(7)] public Priority Priority { get; init; } = Priority.Normal;

    /// <summary>Wait until capacity at or under the price exists rather than taking what is there.</summary>
    [Id(8)] public bool Cheap { get; init; }

    /// <summary>The job of an implicit one-job cluster, which ends with that job; null otherwise.</summary>
    [Id(9)] public string? ForJob { get; init; }
}
