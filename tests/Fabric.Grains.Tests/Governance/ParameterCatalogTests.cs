using Fabric.Buyback;
using Fabric.Clusters;
using Fabric.Governance;
using Fabric.Ledger;
using Fabric.Rewards;
using Fabric.Staking;

namespace Fabric.Tests.Governance;

/// <summary>Each governable parameter has one default: the value of the setting that owns it.</summary>
public sealed class ParameterCatalogTests
{
    [Fact]
    public void The_defaults_of_staking_burn_and_reward_parameters_are_their_options_values()
    {
        var defaults = ParameterCatalog.Defaults(
            new FeeOptions(),
            new ScoreWeights(),
            new StakingOptions { MinimumPerGpuIo = 300, SlashBps = 700 },
            new BurnOptions { BaseShareBps = 4_000 },
            new RewardOptions { WeightLow = 1.5m, WeightMedium = 2, WeightHigh = 3, WeightUltra = 5, StakeBonusBps = 1_000 });

        Assert.Equal(300, defaults[ParameterCatalog.MinimumStakeIo]);
        Assert.Equal(700, defaults[ParameterCatalog.SlashShareBps]);
        Assert.Equal(4_000, defaults[ParameterCatalog.BurnShareBps]);
        Assert.Equal([15_000L, 20_000L, 30_000L, 50_000L],
            [defaults[ParameterCatalog.RewardLow], defaults[ParameterCatalog.RewardMedium], defaults[ParameterCatalog.RewardHigh], defaults[ParameterCatalog.RewardUltra]]);
        Assert.Equal(1_000, defaults[ParameterCatalog.RewardStakeBonusBps]);
    }

    [Fact]
    public void The_configured_defaults_fold_into_the_values_the_grains_read()
    {
        var parameters = ParameterCatalog.Fold(ParameterCatalog.Defaults(new FeeOptions()), []);

        Assert.Equal((200L, 1_000, 5_000, 2_500), (parameters.MinimumStakeIo, parameters.SlashShareBps, parameters.BurnShareBps, parameters.StakeBonusBps));
        Assert.Equal(new Fabric.Devices.TierWeights { Low = 10_000, Medium = 20_000, High = 30_000, Ultra = 40_000 }, parameters.RewardWeights());
        Assert.All(parameters.Values, v => Assert.Equal(v.Default, v.Value));
    }

    [Fact]
    public void A_default_that_is_not_a_whole_number_of_the_parameters_unit_or_out_of_bounds_is_refused_naming_its_key()
    {
        var fraction = Assert.Throws<InvalidOperationException>(() => ParameterCatalog.Defaults(
            new FeeOptions(), new ScoreWeights(), new StakingOptions { MinimumPerGpuIo = 200.5m }, new BurnOptions(), new RewardOptions()));
        var outOfBounds = Assert.Throws<InvalidOperationException>(() => ParameterCatalog.Defaults(
            new FeeOptions(), new ScoreWeights(), new StakingOptions(), new BurnOptions(), new RewardOptions { WeightUltra = 11 }));

        Assert.Contains("Fabric:Staking:MinimumPerGpuIo", fraction.Message, StringComparison.Ordinal);
        Assert.StartsWith("Default of reward-weight-ultra-bps must be 0 to 100000", outOfBounds.Message, StringComparison.Ordinal);
        Assert.EndsWith("110000 is out of bounds. The default comes from Fabric:Rewards:WeightUltra.", outOfBounds.Message, StringComparison.Ordinal);
    }
}
