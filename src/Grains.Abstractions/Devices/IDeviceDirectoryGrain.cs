namespace Fabric.Devices;

/// <summary>
/// The network's list of registered devices, so listing and counting do not wake every device grain. One instance,
/// key <see cref="NetworkKey"/>; the pool index shards replace its queries when placement needs them.
/// </summary>
[Alias("fabric.IDeviceDirectoryGrain")]
public interface IDeviceDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The key of the single network-wide directory.</summary>
    const string NetworkKey = "network";

    /// <summary>Adds or replaces a device's entry.</summary>
    [Alias("Upsert")]
    Task UpsertAsync(DeviceDetails device);

    /// <summary>A page of devices ordered by id.</summary>
    [Alias("List")]
    Task<Page<DeviceDetails>> ListAsync(PageRequest page);

    /// <summary>Number of registered devices.</summary>
    [Alias("Count")]
    Task<int> CountAsync();
}
