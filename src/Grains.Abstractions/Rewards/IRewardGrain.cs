namespace Fabric.Rewards;

/// <summary>
/// The network's hourly rewards (key <see cref="NetworkKey"/>): for each closed hour (epoch) it mints that hour's
/// issuance to device owners, in proportion to verified uptime × tier weight (× staking bonus), exactly once.
/// </summary>
[Alias("fabric.IRewardGrain")]
public interface IRewardGrain : IGrainWithStringKey
{
    const string NetworkKey = "network";

    /// <summary>
    /// Registers the hourly reminder and runs what is due (idempotent; every silo start calls it, from outside a grain,
    /// so it is not SiloOnly: a client calling it can only make due epochs run a little earlier).
    /// </summary>
    [Alias("Start")]
    Task StartAsync();

    /// <summary>
    /// Distributes every closed epoch not yet distributed, oldest first, at most
    /// <c>Fabric:Rewards:MaxEpochsPerRun</c> of them; returns them. The reminder calls it; so can the silo's tests.
    /// </summary>
    [Alias("RunDue"), SiloOnly]
    Task<IReadOnlyList<RewardEpoch>> RunDueAsync();

    [Alias("Status")]
    Task<RewardStatus> GetStatusAsync();

    /// <summary>Epochs run, newest first.</summary>
    [Alias("Epochs")]
    Task<Page<RewardEpoch>> EpochsAsync(PageRequest page);

    /// <summary>What <paramref name="owner"/> was minted, per epoch, newest first.</summary>
    [Alias("Payouts")]
    Task<Page<RewardPayout>> PayoutsAsync(string owner, PageRequest page);

    /// <summary>A device's total earnings and its latest <paramref name="take"/> epochs.</summary>
    [Alias("DeviceEarnings")]
    Task<DeviceEarnings> DeviceEarningsAsync(string deviceId, int take);
}
