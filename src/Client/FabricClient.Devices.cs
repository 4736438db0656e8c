using Fabric.Devices;
using Orleans.Runtime;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Client;

/// <summary>Device and pool calls: registration and owner changes are signed; heartbeats carry the session token.</summary>
public sealed partial class FabricClient
{
    /// <summary>The id a GPU of <paramref name="owner"/> gets (stable across restarts).</summary>
    public static string DeviceId(WalletAddress owner, string gpuUuid) => DeviceIdentity.For(owner, gpuUuid);

    /// <summary>Registers (or re-registers, idempotently) a GPU owned by <paramref name="owner"/>.</summary>
    public async Task<DeviceDetails> RegisterDeviceAsync(Keypair owner, DeviceSpec spec, CancellationToken cancellationToken = default)
    {
        var id = DeviceId(owner.Address, spec.GpuUuid);
        var payload = new DeviceRegisterPayload(id, spec.GpuUuid, spec.Model, spec.VramMib, spec.ComputeCapability, spec.Region,
            spec.PricePerHourBaseUnits, spec.Simulated, spec.Host.CpuModel, spec.Host.CpuCores, spec.Host.RamMib, spec.Host.Os,
            spec.Host.BandwidthMbps, spec.Host.LatencyMs).Encode();
        var request = ToEnvelope(await SignAsync(owner, DeviceOperations.Register, payload, null, cancellationToken));
        return await CallAsync(c => c.GetGrain<IDeviceGrain>(id).RegisterAsync(request), cancellationToken);
    }

    /// <summary>Opens a worker session for a device (signed by its owner).</summary>
    public async Task<DeviceSession> ConnectDeviceAsync(Keypair owner, string deviceId, CancellationToken cancellationToken = default)
    {
        var request = ToEnvelope(await SignAsync(owner, DeviceOperations.Connect, new DeviceRefPayload(deviceId).Encode(), null, cancellationToken));
        return await CallAsync(c => c.GetGrain<IDeviceGrain>(deviceId).ConnectAsync(request), cancellationToken);
    }

    /// <summary>
    /// One heartbeat on an open session, sent to the pool shard the session names (<see cref="DeviceSession.Shard"/>):
    /// the shard keeps live health, so the device's grain is not woken for every beat.
    /// </summary>
    public Task<HeartbeatReply> HeartbeatAsync(string deviceId, int shard, Guid session, Heartbeat beat, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IPoolShardGrain>(shard).HeartbeatAsync(deviceId, session, beat), cancellationToken);

    public Task<IReadOnlyList<int>> SubmitChallengeRootAsync(
        string deviceId, Guid session, Guid challengeId, byte[] root, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IDeviceGrain>(deviceId).SubmitChallengeRootAsync(session, challengeId, root), cancellationToken);

    public Task<VerificationOutcome> SubmitChallengeOpeningsAsync(
        string deviceId, Guid session, Guid challengeId, IReadOnlyList<LeafOpeningData> openings, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IDeviceGrain>(deviceId).SubmitChallengeOpeningsAsync(session, challengeId, openings), cancellationToken);

    /// <summary>A worker that stops takes its device Offline on its session, so a renter's cluster re-places the rank at once.</summary>
    public Task SignOffDeviceAsync(string deviceId, Guid session, CancellationToken cancellationToken = default) =>
        CallAsync(async c =>
        {
            await c.GetGrain<IDeviceGrain>(deviceId).SignOffAsync(session);
            return true;
        }, cancellationToken);

    public Task<DeviceDetails> RenameDeviceAsync(Keypair owner, string deviceId, string name, CancellationToken cancellationToken = default) =>
        UpdateDeviceAsync(owner, deviceId, DeviceOperations.Rename, new DeviceTextPayload(deviceId, name).Encode(), cancellationToken);

    public Task<DeviceDetails> SetDeviceRegionAsync(Keypair owner, string deviceId, string region, CancellationToken cancellationToken = default) =>
        UpdateDeviceAsync(owner, deviceId, DeviceOperations.Region, new DeviceTextPayload(deviceId, region).Encode(), cancellationToken);

    public Task<DeviceDetails> SetDevicePriceAsync(Keypair owner, string deviceId, long pricePerHourBaseUnits, CancellationToken cancellationToken = default) =>
        UpdateDeviceAsync(owner, deviceId, DeviceOperations.Price, new DevicePricePayload(deviceId, pricePerHourBaseUnits).Encode(), cancellationToken);

    public Task<DeviceDetails> PauseDeviceAsync(Keypair owner, string deviceId, CancellationToken cancellationToken = default) =>
        UpdateDeviceAsync(owner, deviceId, DeviceOperations.Pause, new DeviceRefPayload(deviceId).Encode(), cancellationToken);

    public Task<DeviceDetails> ResumeDeviceAsync(Keypair owner, string deviceId, CancellationToken cancellationToken = default) =>
        UpdateDeviceAsync(owner, deviceId, DeviceOperations.Resume, new DeviceRefPayload(deviceId).Encode(), cancellationToken);

    public Task<DeviceDetails> RemoveDeviceAsync(Keypair owner, string deviceId, CancellationToken cancellationToken = default) =>
        UpdateDeviceAsync(owner, deviceId, DeviceOperations.Remove, new DeviceRefPayload(deviceId).Encode(), cancellationToken);

    /// <summary>A device's public details, or null when unknown.</summary>
    public Task<DeviceDetails?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IDeviceGrain>(deviceId).GetAsync(), cancellationToken);

    /// <summary>The owner's view: status history, connections, uptime, traffic.</summary>
    public async Task<DeviceActivity> GetDeviceActivityAsync(Keypair owner, string deviceId, CancellationToken cancellationToken = default)
    {
        var request = ToEnvelope(await SignAsync(owner, DeviceOperations.Activity, new DeviceRefPayload(deviceId).Encode(), null, cancellationToken));
        return await CallAsync(c => c.GetGrain<IDeviceGrain>(deviceId).GetActivityAsync(request), cancellationToken);
    }

    /// <summary>The silo ("host:port") where a device's grain is active now, or null when it is not active.</summary>
    public Task<string?> LocateDeviceAsync(string deviceId, CancellationToken cancellationToken = default) =>
        CallAsync(async c => await c.GetGrain<IManagementGrain>(0).GetActivationAddress(c.GetGrain<IDeviceGrain>(deviceId)) is { } silo
            ? $"{silo.Endpoint.Address}:{silo.Endpoint.Port}"
            : null, cancellationToken);

    /// <summary>Devices matching a query, merged over every pool shard.</summary>
    public Task<Page<DeviceSummary>> QueryPoolAsync(PoolQuery query, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IPoolGrain>(0).QueryAsync(query), cancellationToken);

    /// <summary>Network counts by model, region and status.</summary>
    public Task<PoolCounts> GetPoolCountsAsync(CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IPoolGrain>(0).CountsAsync(), cancellationToken);

    private async Task<DeviceDetails> UpdateDeviceAsync(
        Keypair owner, string deviceId, string operation, byte[] payload, CancellationToken cancellationToken)
    {
        var request = ToEnvelope(await SignAsync(owner, operation, payload, null, cancellationToken));
        return await CallAsync(c => c.GetGrain<IDeviceGrain>(deviceId).UpdateAsync(request), cancellationToken);
    }
}
