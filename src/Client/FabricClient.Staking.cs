using Fabric.Buyback;
using Fabric.Staking;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Client;

/// <summary>Staking on devices (owner-signed), the oracle's IO/USD price and the hourly buy-back.</summary>
public sealed partial class FabricClient
{
    /// <summary>Stakes <paramref name="amount"/> IO base units on the owner's device ("stake.add").</summary>
    public async Task<StakeDetails> StakeAsync(
        Keypair owner, string deviceId, long amount, Guid? requestId = null, CancellationToken cancellationToken = default)
    {
        var request = ToEnvelope(await SignAsync(owner, StakingOperations.Add, new StakePayload(deviceId, amount).Encode(), requestId, cancellationToken));
        return await CallAsync(c => c.GetGrain<IStakeGrain>(deviceId).SubmitAsync(request), cancellationToken);
    }

    /// <summary>Starts the cooldown of the device's whole stake ("stake.unstake").</summary>
    public Task<StakeDetails> UnstakeAsync(Keypair owner, string deviceId, Guid? requestId = null, CancellationToken cancellationToken = default) =>
        StakeChangeAsync(owner, StakingOperations.Unstake, deviceId, requestId, cancellationToken);

    /// <summary>Returns a stake whose cooldown ended to its owner ("stake.withdraw").</summary>
    public Task<StakeDetails> WithdrawStakeAsync(Keypair owner, string deviceId, Guid? requestId = null, CancellationToken cancellationToken = default) =>
        StakeChangeAsync(owner, StakingOperations.Withdraw, deviceId, requestId, cancellationToken);

    public Task<StakeDetails> GetStakeAsync(string deviceId, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IStakeGrain>(deviceId).GetAsync(), cancellationToken);

    /// <summary>Submits an IO/USD price in micro-USD per IO, signed by the oracle's key ("price.set").</summary>
    public async Task<PricePoint> SetPriceAsync(
        Keypair oracle, long microUsdPerIo, DateTimeOffset observedAt, Guid? requestId = null, CancellationToken cancellationToken = default)
    {
        var request = ToEnvelope(await SignAsync(oracle, StakingOperations.SetPrice,
            new PricePayload(microUsdPerIo, observedAt.ToUnixTimeMilliseconds()).Encode(), requestId, cancellationToken));
        return await CallAsync(c => c.GetGrain<IPriceFeedGrain>(IPriceFeedGrain.NetworkKey).SubmitAsync(request), cancellationToken);
    }

    public Task<IReadOnlyList<PricePoint>> GetPriceHistoryAsync(int take, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IPriceFeedGrain>(IPriceFeedGrain.NetworkKey).GetHistoryAsync(take), cancellationToken);

    /// <summary>The newest settled buy-back hours, newest first.</summary>
    public Task<IReadOnlyList<BuybackRecord>> GetBuybacksAsync(int take, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IBurnGrain>(IBurnGrain.NetworkKey).GetHistoryAsync(take), cancellationToken);

    private async Task<StakeDetails> StakeChangeAsync(
        Keypair owner, string operation, string deviceId, Guid? requestId, CancellationToken cancellationToken)
    {
        var request = ToEnvelope(await SignAsync(owner, operation, new StakeRefPayload(deviceId).Encode(), requestId, cancellationToken));
        return await CallAsync(c => c.GetGrain<IStakeGrain>(deviceId).SubmitAsync(request), cancellationToken);
    }
}
