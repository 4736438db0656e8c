namespace Fabric.Devices;

/// <summary>A device as readers see it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceDetails")]
public sealed record DeviceDetails
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Owner { get; init; }
    [Id(2)] public required string Model { get; init; }
    [Id(3)] public required int VramMib { get; init; }
    [Id(4)] public required string Region { get; init; }
    [Id(5)] public required long PricePerHourBaseUnits { get; init; }
    [Id(6)] public required DeviceStatus Status { get; init; }
    [Id(7)] public required DateTimeOffset RegisteredAt { get; init; }
}
