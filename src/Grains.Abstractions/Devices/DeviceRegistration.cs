namespace Fabric.Devices;

/// <summary>What a supplier declares when adding a GPU to the pool.</summary>
[GenerateSerializer, Immutable, Alias("fabric.DeviceRegistration")]
public sealed record DeviceRegistration
{
    /// <summary>Who owns the device (a wallet address once wallets land).</summary>
    [Id(0)] public required string Owner { get; init; }

    /// <summary>GPU model as the vendor names it, e.g. "RTX 4090".</summary>
    [Id(1)] public required string Model { get; init; }

    /// <summary>Total GPU memory in MiB.</summary>
    [Id(2)] public required int VramMib { get; init; }

    /// <summary>Region code, e.g. "eu" or "us-east".</summary>
    [Id(3)] public required string Region { get; init; }

    /// <summary>Asking price per GPU-hour in IOSD base units.</summary>
    [Id(4)] public required long PricePerHourBaseUnits { get; init; }
}
