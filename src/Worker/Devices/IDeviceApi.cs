using Fabric.Devices;
using Fabric.Wallet;

namespace Fabric.Worker.Devices;

/// <summary>
/// The device calls a <see cref="DeviceAgent"/> makes. The live implementation goes through the
/// <see cref="Connection.WorkerConnection"/>; tests drive agents with a scripted one.
/// </summary>
/// <remarks>
/// Failures: <see cref="Client.FabricUnreachableException"/> (or another exception for which
/// <see cref="Client.FabricClient.IsUnreachable"/> holds) when nobody answered; <see cref="FabricRejectedException"/>
/// when Fabric refused (unknown device, unknown session, bad signature).
/// </remarks>
public interface IDeviceApi
{
    Task<DeviceDetails?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken);

    Task<DeviceDetails> RegisterAsync(Keypair owner, DeviceSpec spec, CancellationToken cancellationToken);

    Task<DeviceDetails> SetPriceAsync(Keypair owner, string deviceId, long pricePerHourBaseUnits, CancellationToken cancellationToken);

    Task<DeviceDetails> SetRegionAsync(Keypair owner, string deviceId, string region, CancellationToken cancellationToken);

    Task<DeviceSession> ConnectAsync(Keypair owner, string deviceId, CancellationToken cancellationToken);

    /// <summary>A heartbeat on an open session, to the pool shard the session named.</summary>
    Task<HeartbeatReply> HeartbeatAsync(string deviceId, int shard, Guid session, Heartbeat beat, CancellationToken cancellationToken);

    Task<IReadOnlyList<int>> SubmitChallengeRootAsync(
        string deviceId, Guid session, Guid challengeId, byte[] root, CancellationToken cancellationToken);

    Task<VerificationOutcome> SubmitChallengeOpeningsAsync(
        string deviceId, Guid session, Guid challengeId, IReadOnlyList<LeafOpeningData> openings, CancellationToken cancellationToken);

    /// <summary>The worker is stopping: the device goes Offline now, on its open session.</summary>
    Task SignOffAsync(string deviceId, Guid session, CancellationToken cancellationToken);
}
