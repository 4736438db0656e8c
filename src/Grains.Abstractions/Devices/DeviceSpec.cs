namespace Fabric.Devices;

/// <summary>The machine a GPU sits in, as its worker measured it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.HostInfo")]
public sealed record HostInfo
{
    [Id(0)] public required string CpuModel { get; init; }
    [Id(1)] public required int CpuCores { get; init; }
    [Id(2)] public required long RamMib { get; init; }
    [Id(3)] public required string Os { get; init; }

    /// <summary>Measured to the gateway; 0 when not measured.</summary>
    [Id(4)] public required int BandwidthMbps { get; init; }
    [Id(5)] public required int LatencyMs { get; init; }
}

/// <summary>What a supplier declares for one GPU when registering it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceSpec")]
public sealed record DeviceSpec
{
    /// <summary>The GPU's UUID as nvidia-smi reports it (or a simulated one); with the owner it fixes the device id.</summary>
    [Id(0)] public required string GpuUuid { get; init; }
    [Id(1)] public required string Model { get; init; }
    [Id(2)] public required int VramMib { get; init; }

    /// <summary>CUDA compute capability, e.g. "9.0".</summary>
    [Id(3)] public required string ComputeCapability { get; init; }
    [Id(4)] public required string Region { get; init; }

    /// <summary>Asking price per GPU-hour in IOSD base units.</summary>
    [Id(5)] public required long PricePerHourBaseUnits { get; init; }

    /// <summary>A simulated GPU (no hardware): labelled as such everywhere.</summary>
    [Id(6)] public required bool Simulated { get; init; }
    [Id(7)] public required HostInfo Host { get; init; }
}
