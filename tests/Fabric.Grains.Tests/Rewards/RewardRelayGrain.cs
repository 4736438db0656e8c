using Fabric.Rewards;

namespace Fabric.Tests.Rewards;

/// <summary>Test-only grain: runs a reward stream grain-to-grain (its run is SiloOnly), as its reminder does.</summary>
[Alias("fabric.tests.IRewardRelayGrain")]
public interface IRewardRelayGrain : IGrainWithIntegerKey
{
    [Alias("RunDue")]
    Task<IReadOnlyList<RewardEpoch>> RunDueAsync(string stream);
}

public sealed class RewardRelayGrain : Grain, IRewardRelayGrain
{
    public Task<IReadOnlyList<RewardEpoch>> RunDueAsync(string stream) => GrainFactory.GetGrain<IRewardGrain>(stream).RunDueAsync();
}
