using System.Text.RegularExpressions;

namespace Fabric.Devices;

/// <summary>Bounds a registration must meet; absurd specs are refused before anything is stored.</summary>
internal static partial class DeviceRegistrationRules
{
    /// <summary>Smallest GPU memory accepted (256 MiB); anything less is no GPU worth renting.</summary>
    public const int MinVramMib = 256;

    /// <summary>Largest GPU memory accepted (1 TiB), several times today's largest single GPU.</summary>
    public const int MaxVramMib = 1024 * 1024;

    /// <summary>Largest asking price: 100,000 IOSD per GPU-hour, in base units.</summary>
    public const long MaxPricePerHourBaseUnits = 100_000L * 1_000_000L;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex RegionPattern();

    /// <summary>Throws <see cref="FabricRejectedException"/> naming the first rule the registration breaks.</summary>
    public static void Validate(string deviceId, DeviceRegistration registration)
    {
        Require(IdRules.IsValid(deviceId), $"Device id '{deviceId}' is not valid: {IdRules.Description}.");
        Require(!string.IsNullOrWhiteSpace(registration.Owner) && registration.Owner.Length <= 64,
            "Owner must be 1 to 64 characters.");
        Require(!string.IsNullOrWhiteSpace(registration.Model) && registration.Model.Length <= 64,
            "Model must be 1 to 64 characters.");
        Require(registration.VramMib is >= MinVramMib and <= MaxVramMib,
            $"VRAM of {registration.VramMib} MiB is outside {MinVramMib} MiB to {MaxVramMib} MiB.");
        Require(RegionPattern().IsMatch(registration.Region),
            $"Region '{registration.Region}' must be lower-case letters, digits and dashes (e.g. 'eu', 'us-east').");
        Require(registration.PricePerHourBaseUnits is >= 0 and <= MaxPricePerHourBaseUnits,
            "Price per GPU-hour must be between 0 and 100000 IOSD.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new FabricRejectedException(message);
        }
    }
}
