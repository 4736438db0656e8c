using System.Text.RegularExpressions;
using static Fabric.Rejections;

namespace Fabric.Devices;

/// <summary>Bounds a device's declared facts must meet; absurd specs are refused before anything is stored.</summary>
internal static partial class DeviceRules
{
    public const int MinVramMib = 256;

    /// <summary>1 TiB: several times today's largest single GPU.</summary>
    public const int MaxVramMib = 1024 * 1024;

    /// <summary>100,000 IOSD per GPU-hour, in base units.</summary>
    public const long MaxPricePerHourBaseUnits = 100_000L * 1_000_000L;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"^\d{1,2}\.\d{1,2}$")]
    private static partial Regex CapabilityPattern();

    public static void Validate(DeviceSpec spec)
    {
        Require(!string.IsNullOrWhiteSpace(spec.GpuUuid) && spec.GpuUuid.Length <= 128, "GPU UUID must be 1 to 128 characters.");
        Require(!string.IsNullOrWhiteSpace(spec.Model) && spec.Model.Length <= 64, "Model must be 1 to 64 characters.");
        Require(spec.VramMib is >= MinVramMib and <= MaxVramMib,
            $"VRAM of {spec.VramMib} MiB is outside {MinVramMib} MiB to {MaxVramMib} MiB.");
        Require(CapabilityPattern().IsMatch(spec.ComputeCapability), $"Compute capability '{spec.ComputeCapability}' must look like 8.9.");
        ValidateRegion(spec.Region);
        ValidatePrice(spec.PricePerHourBaseUnits);
        Require(spec.Host.CpuCores is >= 1 and <= 4096, $"CPU cores {spec.Host.CpuCores} is outside 1 to 4096.");
        Require(spec.Host.RamMib is >= 0 and <= 64L * 1024 * 1024, "RAM is outside 0 to 64 TiB.");
        Require(spec.Host.CpuModel.Length <= 128 && spec.Host.Os.Length <= 128, "CPU model and OS must be at most 128 characters.");
        Require(spec.Host.BandwidthMbps is >= 0 and <= 1_000_000 && spec.Host.LatencyMs is >= 0 and <= 600_000,
            "Bandwidth or latency is out of range.");
    }

    public static void ValidateRegion(string region) =>
        Require(RegionPattern().IsMatch(region), $"Region '{region}' must be lower-case letters, digits and dashes (e.g. 'eu', 'us-east').");

    public static void ValidatePrice(long price) =>
        Require(price is >= 0 and <= MaxPricePerHourBaseUnits, "Price per GPU-hour must be between 0 and 100000 IOSD.");

    public static void ValidateName(string name) =>
        Require(!string.IsNullOrWhiteSpace(name) && name.Length <= 64, "A device name must be 1 to 64 characters.");
}
