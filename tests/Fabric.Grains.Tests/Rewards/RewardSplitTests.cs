using FsCheck;
using FsCheck.Fluent;
using Fabric.Devices;
using Fabric.Rewards;

namespace Fabric.Tests.Rewards;

/// <summary>How an epoch's issuance divides: exact to the base unit, never more than issued.</summary>
public sealed class RewardSplitTests
{
    private static readonly Dictionary<string, int> NoBonus = [];

    private static DeviceUptime Device(string id, long weighted, string? owner = null) =>
        new() { DeviceId = id, Owner = owner ?? $"owner-{id}", Seconds = (int)Math.Min(3_600, weighted), WeightedSeconds = weighted };

    [Fact]
    public void The_gpu_pool_is_95_percent_and_the_cpu_pool_the_rest_which_is_never_distributed()
    {
        var split = RewardSplit.Split(1_000_001, 9_500, [Device("a", 3_600)], NoBonus);

        Assert.Equal((950_000L, 50_001L, 950_000L), (split.GpuPool, split.CpuPool, split.Distributed));
        Assert.Equal(950_000L, Assert.Single(split.Shares).Amount);
    }

    [Fact]
    public void Shares_follow_weighted_uptime_and_the_remainder_goes_to_the_largest_remainders()
    {
        var split = RewardSplit.Split(10_000, 10_000, [Device("c", 1), Device("a", 1), Device("b", 1)], NoBonus);

        // 10,000 / 3 = 3,333 r 1: every remainder is equal, so the smallest id gets the unit.
        Assert.Equal([("a", 3_334L), ("b", 3_333L), ("c", 3_333L)], split.Shares.Select(s => (s.DeviceId, s.Amount)));
    }

    [Fact]
    public void A_staking_bonus_raises_a_device_share()
    {
        var split = RewardSplit.Split(2_250, 10_000, [Device("staked", 3_600), Device("plain", 3_600)], new Dictionary<string, int> { ["staked"] = 2_500 });

        Assert.Equal([("plain", 1_000L, 0), ("staked", 1_250L, 2_500)], split.Shares.Select(s => (s.DeviceId, s.Amount, s.BonusBps)));
    }

    [Fact]
    public void Nothing_is_distributed_when_no_device_earned()
    {
        var split = RewardSplit.Split(5_000, 9_500, [Device("idle", 0)], NoBonus);

        Assert.Equal((4_750L, 0L), (split.GpuPool, split.Distributed));
        Assert.Empty(split.Shares);
    }

    [Fact]
    public void Shares_add_up_to_the_pool_exactly_and_each_is_within_a_unit_of_its_exact_share() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200),
            Prop.ForAll(
                Gen.Choose(0, int.MaxValue).Select(i => (long)i * 1_000).ToArbitrary(),
                Gen.ListOf(Gen.Choose(0, 3_600 * 4)).Select(l => l.Take(300).ToList()).ToArbitrary(),
                (issuance, weights) =>
                {
                    var devices = weights.Select((w, i) => Device($"d{i:D4}", w)).ToList();
                    var split = RewardSplit.Split(issuance, 9_500, devices, NoBonus);
                    Int128 total = weights.Sum(w => (long)w);
                    var pool = issuance * 9_500 / 10_000;
                    return split.GpuPool == pool
                           && split.Distributed == (total == 0 ? 0 : pool)
                           && split.Shares.Sum(s => s.Amount) == split.Distributed
                           && split.Shares.All(s => total == 0 || Math.Abs((decimal)s.Amount - ((decimal)pool * s.WeightedSeconds / (decimal)total)) < 1m);
                }));
}
