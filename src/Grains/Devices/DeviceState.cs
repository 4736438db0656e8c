using Fabric.Devices;

namespace Fabric.Devices;

/// <summary>What a device grain keeps in storage.</summary>
[GenerateSerializer, Alias("fabric.DeviceState")]
public sealed record DeviceState
{
    /// <summary>The registered device; null until registration.</summary>
    [Id(0)] public DeviceDetails? Device { get; init; }
}
