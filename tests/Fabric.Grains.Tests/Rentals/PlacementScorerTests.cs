using Fabric.Clusters;
using Fabric.Tests.Pool;

namespace Fabric.Tests.Rentals;

public sealed class PlacementScorerTests
{
    private static readonly PlacementScorer Scorer = new(new ScoreWeights());
    private static readonly ClusterSpec Spec = new() { Gpus = 1, Hours = 1, Region = "eu" };

    [Fact]
    public void The_cheaper_of_two_otherwise_equal_devices_ranks_first()
    {
        var ranked = Scorer.Rank([PoolSamples.Summary("dear", price: 900_000), PoolSamples.Summary("cheap", price: 300_000)], Spec, limitPrice: 1_000_000);

        Assert.Equal(["cheap", "dear"], ranked.Select(c => c.DeviceId));
        Assert.True(ranked[0].Score > ranked[1].Score);
    }

    [Fact]
    public void A_device_the_cluster_lost_ranks_after_every_other_however_well_it_scores()
    {
        var devices = new[]
        {
            PoolSamples.Summary("lost-cheap", price: 100_000),
            PoolSamples.Summary("dear", price: 900_000),
            PoolSamples.Summary("middle", price: 500_000),
        };

        var ranked = Scorer.Rank(devices, Spec, limitPrice: 1_000_000, lastResort: new HashSet<string> { "lost-cheap" });

        Assert.Equal(["middle", "dear", "lost-cheap"], ranked.Select(c => c.DeviceId));
        // Still scored as it is, so an explanation shows why it would have come first.
        Assert.True(ranked[2].Score > ranked[0].Score);
    }
}
