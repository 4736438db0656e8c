using Fabric.Devices;
using Fabric.Network;

namespace Fabric.Tests;

[Collection(ClusterCollection.Name)]
public sealed class DirectoryAndStatusTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Device_listing_pages_in_id_order_and_reports_the_total()
    {
        var prefix = $"page-{Guid.NewGuid():N}"[..13];
        foreach (var n in new[] { 3, 1, 2 })
        {
            await fixture.Grains.GetGrain<IDeviceGrain>($"{prefix}-{n}").RegisterAsync(new DeviceRegistration
            {
                Owner = "carol", Model = "H100", VramMib = 81_920, Region = "us-east", PricePerHourBaseUnits = 2_000_000,
            });
        }

        var directory = fixture.Grains.GetGrain<IDeviceDirectoryGrain>(IDeviceDirectoryGrain.NetworkKey);
        var all = await directory.ListAsync(new PageRequest { Take = PageRequest.MaxSize });
        var ours = all.Items.Where(d => d.Id.StartsWith(prefix, StringComparison.Ordinal)).Select(d => d.Id).ToList();

        Assert.Equal([$"{prefix}-1", $"{prefix}-2", $"{prefix}-3"], ours);
        Assert.Equal(await directory.CountAsync(), all.Total);
        var second = await directory.ListAsync(new PageRequest { Skip = 1, Take = 1 });
        Assert.Equal(all.Items[1], Assert.Single(second.Items));
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, 0)]
    [InlineData(0, PageRequest.MaxSize + 1)]
    public async Task Listing_rejects_out_of_range_pages(int skip, int take)
    {
        var directory = fixture.Grains.GetGrain<IDeviceDirectoryGrain>(IDeviceDirectoryGrain.NetworkKey);

        await Assert.ThrowsAsync<FabricRejectedException>(() => directory.ListAsync(new PageRequest { Skip = skip, Take = take }));
    }

    [Fact]
    public async Task Status_lists_the_active_silo_and_counts_devices_and_jobs()
    {
        var status = await fixture.Grains.GetGrain<INetworkStatusGrain>(0).GetAsync(includeDead: false);

        var silo = Assert.Single(status.Silos);
        Assert.Equal("Active", silo.Status);
        Assert.True(silo.GatewayPort > 0);
        Assert.Equal(await fixture.Grains.GetGrain<IDeviceDirectoryGrain>(IDeviceDirectoryGrain.NetworkKey).CountAsync(), status.Devices);
        Assert.Equal(await fixture.Grains.GetGrain<Fabric.Jobs.IJobDirectoryGrain>(Fabric.Jobs.IJobDirectoryGrain.NetworkKey).CountAsync(), status.Jobs);
    }
}
