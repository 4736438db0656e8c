using Fabric.Staking;

namespace Fabric.Tests.Staking;

public sealed class StakeRulesTests
{
    private const long Io = StakingTestKit.Io;

    [Fact]
    public void The_minimum_stake_is_200_io_times_the_hardware_multiplier_per_gpu()
    {
        var options = new StakingOptions();
        var perGpu = (long)options.MinimumPerGpuIo;

        Assert.Equal(16_000 * Io, options.MinimumStake("H100", 8, perGpu)); // tokenomics: 8 × H100 = 16,000 IO
        Assert.Equal(2_400 * Io, options.MinimumStake("H200", 1, perGpu));
        Assert.Equal(6_000 * Io, options.MinimumStake("B200", 1, perGpu));
        Assert.Equal(1_000 * Io, options.MinimumStake("A100 80GB", 1, perGpu));
        Assert.Equal(250 * Io, options.MinimumStake("rtx 4090", 1, perGpu));
        Assert.Equal(200 * Io, options.MinimumStake("RTX 3080", 1, perGpu)); // not in the table: multiplier 1
    }

    [Fact]
    public void A_slash_takes_from_the_oldest_holds_first_and_never_more_than_they_have()
    {
        StakeHold[] holds = [new() { HoldId = "a", Amount = 10, Left = 4 }, new() { HoldId = "b", Amount = 10, Left = 10 }];

        var (slices, after) = StakeRules.Take(holds, 6);

        Assert.Equal([("a", 4L), ("b", 2L)], slices.Select(s => (s.HoldId, s.Amount)));
        Assert.Equal([0L, 8L], after.Select(h => h.Left));
        Assert.Equal(29, StakeRules.Share(299, 1000));
        Assert.Throws<InvalidOperationException>(() => StakeRules.Take(holds, 15));
    }
}
