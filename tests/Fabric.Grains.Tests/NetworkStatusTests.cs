using Fabric.Network;

namespace Fabric.Tests;

[Collection(ClusterCollection.Name)]
public sealed class NetworkStatusTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Status_lists_the_active_silo_the_network_and_the_counts()
    {
        var scheduler = fixture.Grains.GetGrain<Clusters.ISchedulerGrain>(Clusters.ISchedulerGrain.NetworkKey);
        var before = await scheduler.ViewAsync(0);
        var status = await fixture.Grains.GetGrain<INetworkStatusGrain>(0).GetAsync(includeDead: false);
        var after = await scheduler.ViewAsync(0);

        var silo = Assert.Single(status.Silos);
        Assert.Equal("Active", silo.Status);
        Assert.True(silo.GatewayPort > 0);
        Assert.Equal(ClusterFixture.Network.Id, status.NetworkId);
        Assert.Equal((await fixture.Grains.GetGrain<Fabric.Devices.IPoolGrain>(0).CountsAsync()).Total, status.Devices);

        // The scheduler keeps retrying clusters earlier tests left queued: its counts may move between the reads.
        Assert.InRange(status.ClustersPlaced, before.Placed, after.Placed);
        Assert.InRange(status.ClustersWaiting, Math.Min(before.Waiting, after.Waiting) - 1, Math.Max(before.Waiting, after.Waiting) + 1);
    }
}
