using Fabric.Buyback;
using Fabric.Staking;

namespace Fabric.Tests.Staking;

/// <summary>
/// Test-only grain that reaches the staking and burn grains' <see cref="SiloOnlyAttribute"/> methods the way device
/// grains and reminders do: grain to grain (calls straight from a client are refused).
/// </summary>
[Alias("fabric.tests.IStakingRelayGrain")]
public interface IStakingRelayGrain : IGrainWithIntegerKey
{
    [Alias("Slash")]
    Task SlashAsync(string deviceId, StakeFault fault);

    [Alias("TickBurn")]
    Task<IReadOnlyList<BuybackRecord>> TickBurnAsync();
}

public sealed class StakingRelayGrain : Grain, IStakingRelayGrain
{
    public Task SlashAsync(string deviceId, StakeFault fault) => GrainFactory.GetGrain<IStakeGrain>(deviceId).SlashAsync(fault);

    public Task<IReadOnlyList<BuybackRecord>> TickBurnAsync() => GrainFactory.GetGrain<IBurnGrain>(IBurnGrain.NetworkKey).TickAsync();
}
