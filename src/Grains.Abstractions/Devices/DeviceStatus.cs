namespace Fabric.Devices;

/// <summary>
/// Where a device stands. Registered → Verifying → Online (or FailedVerification) ↔ Busy; missed heartbeats take an
/// Online or Busy device to Unhealthy, then Offline; a reconnecting worker brings it back. Paused and Removed are the
/// owner's choice.
/// </summary>
[GenerateSerializer, Alias("fabric.DeviceStatus")]
public enum DeviceStatus
{
    Registered = 0,
    Verifying = 1,
    Online = 2,
    Busy = 3,
    Unhealthy = 4,
    Offline = 5,
    FailedVerification = 6,
    Paused = 7,
    Removed = 8,
}

/// <summary>Performance shown in the verification challenge; never above what the device claims.</summary>
[GenerateSerializer, Alias("fabric.DeviceTier")]
public enum DeviceTier
{
    Unverified = 0,
    Low = 1,
    Medium = 2,
    High = 3,
    Ultra = 4,
}
