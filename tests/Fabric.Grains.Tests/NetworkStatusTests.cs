using Fabric.Network;

namespace Fabric.Tests;

[Collection(ClusterCollection.Name)]
public sealed class NetworkStatusTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Status_lists_the_active_silo_the_network_and_the_counts()
    {
        var status = await fixture.Grains.GetGrain<INetworkStatusGrain>(0).GetAsync(includeDead: false);

        var silo = Assert.Single(status.Silos);
        Assert.Equal("Active", silo.Status);
        Assert.True(silo.GatewayPort > 0);
        Assert.Equal(ClusterFixture.Network.Id, status.NetworkId);
        Assert.Equal((await fixture.Grains.GetGrain<Fabric.Devices.IPoolGrain>(0).CountsAsync()).Total, status.Devices);
        Assert.Equal(await fixture.Grains.GetGrain<Jobs.IJobDirectoryGrain>(Jobs.IJobDirectoryGrain.NetworkKey).CountAsync(), status.Jobs);
    }
}
