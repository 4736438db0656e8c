using Fabric.Rewards;
using Fabric.Wallet;

namespace Fabric.Client;

/// <summary>Hourly rewards: the network's epochs, a wallet's payouts, a device's earnings (all public, unsigned reads).</summary>
public sealed partial class FabricClient
{
    private static IRewardGrain Rewards(IClusterClient cluster) => cluster.GetGrain<IRewardGrain>(IRewardGrain.NetworkKey);

    /// <summary>Where the reward stream stands and the schedule's issuance now.</summary>
    public Task<RewardStatus> GetRewardStatusAsync(CancellationToken cancellationToken = default) =>
        CallAsync(c => Rewards(c).GetStatusAsync(), cancellationToken);

    /// <summary>Epochs distributed, newest first.</summary>
    public Task<Page<RewardEpoch>> GetRewardEpochsAsync(PageRequest page, CancellationToken cancellationToken = default) =>
        CallAsync(c => Rewards(c).EpochsAsync(page), cancellationToken);

    /// <summary>What <paramref name="wallet"/> was minted per epoch, newest first.</summary>
    public Task<Page<RewardPayout>> GetRewardPayoutsAsync(WalletAddress wallet, PageRequest page, CancellationToken cancellationToken = default) =>
        CallAsync(c => Rewards(c).PayoutsAsync(wallet.ToString(), page), cancellationToken);

    /// <summary>A device's total earnings and its latest <paramref name="take"/> epochs.</summary>
    public Task<DeviceEarnings> GetDeviceEarningsAsync(string deviceId, int take = 24, CancellationToken cancellationToken = default) =>
        CallAsync(c => Rewards(c).DeviceEarningsAsync(deviceId, take), cancellationToken);
}
