namespace Fabric.Jobs;

/// <summary>What a renter asks to run.</summary>
[GenerateSerializer, Immutable, Alias("fabric.JobSpec")]
public sealed record JobSpec
{
    /// <summary>Who pays (a wallet address once wallets land).</summary>
    [Id(0)] public required string Renter { get; init; }

    /// <summary>The program and its arguments, run as given (no shell).</summary>
    [Id(1)] public required IReadOnlyList<string> Command { get; init; }

    /// <summary>GPUs wanted.</summary>
    [Id(2)] public required int Gpus { get; init; }

    /// <summary>Acceptable GPU models; empty means any.</summary>
    [Id(3)] public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Region wanted; null means any.</summary>
    [Id(4)] public string? Region { get; init; }
}
