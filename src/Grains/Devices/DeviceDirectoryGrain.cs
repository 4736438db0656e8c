using Fabric.Persistence;

namespace Fabric.Devices;

/// <summary>The network's device list, ordered by device id.</summary>
public sealed class DeviceDirectoryGrain(
    [PersistentState("device-directory", "fabric")] IPersistentState<DirectoryState<DeviceDetails>> state)
    : DirectoryGrain<DeviceDetails>(state), IDeviceDirectoryGrain
{
    protected override string IdOf(DeviceDetails entry) => entry.Id;

    protected override IEnumerable<DeviceDetails> Order(IEnumerable<DeviceDetails> entries) => entries;
}
