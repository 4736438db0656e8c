namespace Fabric.Devices;

/// <summary>A device as everyone may read it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceDetails")]
public sealed record DeviceDetails
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Owner { get; init; }

    /// <summary>The owner's name for it; defaults to the model.</summary>
    [Id(2)] public required string Name { get; init; }
    [Id(3)] public required DeviceSpec Spec { get; init; }
    [Id(4)] public required DeviceStatus Status { get; init; }
    [Id(5)] public required DeviceTier Tier { get; init; }

    /// <summary>Hash rate shown in the last passed challenge (hashes per second); 0 before.</summary>
    [Id(6)] public required long MeasuredHashesPerSecond { get; init; }
    [Id(7)] public required DateTimeOffset? VerifiedAt { get; init; }
    [Id(8)] public required int FailedVerifications { get; init; }

    /// <summary>0 to 100; renters' ratings move it (jobs issue).</summary>
    [Id(9)] public required int Reputation { get; init; }
    [Id(10)] public required DateTimeOffset RegisteredAt { get; init; }

    /// <summary>Last heartbeat and when it came; null before the first.</summary>
    [Id(11)] public required Heartbeat? LastHeartbeat { get; init; }
    [Id(12)] public required DateTimeOffset? LastSeenAt { get; init; }
}

/// <summary>Live health a worker sends every few seconds.</summary>
[GenerateSerializer, Immutable, Alias("fabric.Heartbeat")]
public sealed record Heartbeat
{
    [Id(0)] public required int UtilizationPct { get; init; }
    [Id(1)] public required int TemperatureC { get; init; }
    [Id(2)] public required int PowerW { get; init; }
    [Id(3)] public required int FreeVramMib { get; init; }

    /// <summary>Network bytes since the worker started (monotonic counters).</summary>
    [Id(4)] public required long BytesIn { get; init; }
    [Id(5)] public required long BytesOut { get; init; }
}
