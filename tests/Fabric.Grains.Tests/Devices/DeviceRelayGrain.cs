using Fabric.Devices;

namespace Fabric.Tests.Devices;

/// <summary>Test-only grain: calls a device's SiloOnly methods grain-to-grain, as the pool's sweep does.</summary>
[Alias("fabric.tests.IDeviceRelayGrain")]
public interface IDeviceRelayGrain : IGrainWithIntegerKey
{
    [Alias("MarkSilent")]
    Task MarkSilentAsync(string deviceId, DeviceStatus status, DateTimeOffset lastSeen);

    [Alias("Reserve")]
    Task<LeaseReply> ReserveAsync(string deviceId, string clusterId, TimeSpan ttl);

    [Alias("Commit")]
    Task<bool> CommitAsync(string deviceId, Guid leaseId);

    [Alias("Claim")]
    Task<LeaseReply> ClaimAsync(string deviceId, string clusterId);
}

public sealed class DeviceRelayGrain : Grain, IDeviceRelayGrain
{
    public Task MarkSilentAsync(string deviceId, DeviceStatus status, DateTimeOffset lastSeen) =>
        GrainFactory.GetGrain<IDeviceGrain>(deviceId).MarkSilentAsync(status, lastSeen);

    public Task<LeaseReply> ReserveAsync(string deviceId, string clusterId, TimeSpan ttl) =>
        GrainFactory.GetGrain<IDeviceGrain>(deviceId).ReserveAsync(clusterId, 0, ttl);

    public Task<bool> CommitAsync(string deviceId, Guid leaseId) =>
        GrainFactory.GetGrain<IDeviceGrain>(deviceId).CommitAsync(leaseId);

    public Task<LeaseReply> ClaimAsync(string deviceId, string clusterId) =>
        GrainFactory.GetGrain<IDeviceGrain>(deviceId).ClaimAsync(clusterId, 0);
}
