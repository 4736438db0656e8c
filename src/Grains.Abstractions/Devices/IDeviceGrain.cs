namespace Fabric.Devices;

/// <summary>One GPU in the pool, keyed by its device id.</summary>
[Alias("fabric.IDeviceGrain")]
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers the device. Registering again with the same details is a no-op that returns the stored device, so a
    /// caller may retry after a timeout; different details for an existing device are rejected.
    /// </summary>
    [Alias("Register")]
    Task<DeviceDetails> RegisterAsync(DeviceRegistration registration);

    /// <summary>The device, or null when no device has this id.</summary>
    [Alias("Get")]
    Task<DeviceDetails?> GetAsync();
}
