using Fabric.Client;
using Fabric.Devices;
using Fabric.Wallet;
using Fabric.Worker.Connection;

namespace Fabric.Worker.Devices;

/// <summary>
/// Device calls through the worker's <see cref="WorkerConnection"/>: a call that finds nobody answering reports its
/// client broken (so the next call gets a rebuilt one) and rethrows.
/// </summary>
public sealed class FabricDeviceApi(WorkerConnection connection) : IDeviceApi
{
    public Task<DeviceDetails?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken) =>
        CallAsync(c => c.GetDeviceAsync(deviceId, cancellationToken), cancellationToken);

    public Task<DeviceDetails> RegisterAsync(Keypair owner, DeviceSpec spec, CancellationToken cancellationToken) =>
        CallAsync(c => c.RegisterDeviceAsync(owner, spec, cancellationToken), cancellationToken);

    public Task<DeviceDetails> SetPriceAsync(Keypair owner, string deviceId, long pricePerHourBaseUnits, CancellationToken cancellationToken) =>
        CallAsync(c => c.SetDevicePriceAsync(owner, deviceId, pricePerHourBaseUnits, cancellationToken), cancellationToken);

    public Task<DeviceDetails> SetRegionAsync(Keypair owner, string deviceId, string region, CancellationToken cancellationToken) =>
        CallAsync(c => c.SetDeviceRegionAsync(owner, deviceId, region, cancellationToken), cancellationToken);

    public Task<DeviceSession> ConnectAsync(Keypair owner, string deviceId, CancellationToken cancellationToken) =>
        CallAsync(c => c.ConnectDeviceAsync(owner, deviceId, cancellationToken), cancellationToken);

    public Task<HeartbeatReply> HeartbeatAsync(string deviceId, int shard, Guid session, Heartbeat beat, CancellationToken cancellationToken) =>
        CallAsync(c => c.HeartbeatAsync(deviceId, shard, session, beat, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<int>> SubmitChallengeRootAsync(
        string deviceId, Guid session, Guid challengeId, byte[] root, CancellationToken cancellationToken) =>
        CallAsync(c => c.SubmitChallengeRootAsync(deviceId, session, challengeId, root, cancellationToken), cancellationToken);

    public Task<VerificationOutcome> SubmitChallengeOpeningsAsync(
        string deviceId, Guid session, Guid challengeId, IReadOnlyList<LeafOpeningData> openings, CancellationToken cancellationToken) =>
        CallAsync(c => c.SubmitChallengeOpeningsAsync(deviceId, session, challengeId, openings, cancellationToken), cancellationToken);

    public Task SignOffAsync(string deviceId, Guid session, CancellationToken cancellationToken) =>
        CallAsync(async c =>
        {
            await c.SignOffDeviceAsync(deviceId, session, cancellationToken);
            return true;
        }, cancellationToken);

    private async Task<T> CallAsync<T>(Func<FabricClient, Task<T>> call, CancellationToken cancellationToken)
    {
        var lease = await connection.GetAsync(cancellationToken);
        try
        {
            return await call(lease.Client);
        }
        catch (Exception e) when (FabricClient.IsUnreachable(e) || e is ObjectDisposedException)
        {
            // ObjectDisposedException: another device already reported this client broken and it was closed under us.
            connection.ReportBroken(lease.Generation, e);
            throw e as FabricUnreachableException ?? new FabricUnreachableException($"Fabric stopped answering: {WorkerConnection.Reason(e)}", e);
        }
    }
}
