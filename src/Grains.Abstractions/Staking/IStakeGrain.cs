using Fabric.Ledger;

namespace Fabric.Staking;

/// <summary>
/// The IO staked on one device (key: the device id). The stake is escrow in the ledger (one hold per
/// <c>stake.add</c>): owner-signed to add, unstake (starts the cooldown) and withdraw (after it); slashed once per
/// fault for a failed re-verification or for going Offline while rented.
/// </summary>
[Alias("fabric.IStakeGrain")]
public interface IStakeGrain : IGrainWithStringKey
{
    /// <summary>"stake.add", "stake.unstake" or "stake.withdraw", signed by the device's owner. A replay is refused.</summary>
    [Alias("Submit")]
    Task<StakeDetails> SubmitAsync(SignedEnvelope request);

    /// <summary>The device's stake now: active, cooling down, slashed, and the minimum it must meet.</summary>
    [Alias("Get")]
    Task<StakeDetails> GetAsync();

    /// <summary>
    /// Records a fault of the device and slashes its stake for it; the same <see cref="StakeFault.FaultId"/> again
    /// changes nothing. Returns at once: the slash is persisted first and applied right after (and again after a crash).
    /// </summary>
    [Alias("Slash"), SiloOnly]
    Task SlashAsync(StakeFault fault);
}
