namespace Fabric.Devices;

/// <summary>Where a device stands in its life cycle.</summary>
[GenerateSerializer, Alias("fabric.DeviceStatus")]
public enum DeviceStatus
{
    /// <summary>Known to the network, not yet verified.</summary>
    Registered = 0,
}
