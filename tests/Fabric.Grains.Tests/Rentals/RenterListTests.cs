using Fabric.Jobs;

namespace Fabric.Tests.Rentals;

/// <summary>Test-only grain that lists ids on a renter grain to grain, as clusters and jobs do.</summary>
[Alias("fabric.tests.IRenterRelayGrain")]
public interface IRenterRelayGrain : IGrainWithStringKey
{
    [Alias("AddClusters")]
    Task AddClustersAsync(string renter, IReadOnlyList<string> clusterIds);

    [Alias("AddJob")]
    Task AddJobAsync(string renter, string jobId);
}

public sealed class RenterRelayGrain : Grain, IRenterRelayGrain
{
    public async Task AddClustersAsync(string renter, IReadOnlyList<string> clusterIds)
    {
        foreach (var id in clusterIds)
        {
            await GrainFactory.GetGrain<IRenterGrain>(renter).AddClusterAsync(id);
        }
    }

    public Task AddJobAsync(string renter, string jobId) => GrainFactory.GetGrain<IRenterGrain>(renter).AddJobAsync(jobId);
}

[Collection(ClusterCollection.Name)]
public sealed class RenterListTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_renter_lists_its_clusters_newest_first_after_many_additions_and_a_reload()
    {
        var renter = RentalTestKit.NewId("renter");
        var relay = fixture.Cluster.Client.GetGrain<IRenterRelayGrain>(renter);
        // Enough for the head to move into the archive several times, and past the bound, so the oldest drop off.
        var ids = Enumerable.Range(0, RenterGrain.Kept + 3 * RenterGrain.HeadKept + 5).Select(i => $"c{i:D5}").ToList();

        await relay.AddClustersAsync(renter, ids);
        await relay.AddJobAsync(renter, "j1");
        await relay.AddClustersAsync(renter, [ids[^1], ids[^2]]); // already listed: no change
        var grain = fixture.Cluster.Client.GetGrain<IRenterGrain>(renter);
        var before = await ListAsync(grain);
        await fixture.Cluster.DeactivateAsync(grain);
        var after = await ListAsync(grain);

        var expected = Enumerable.Reverse(ids).Take(RenterGrain.Kept).ToList();
        Assert.Equal(expected, before);
        Assert.Equal(expected, after);
        Assert.Equal(["j1"], (await grain.JobsAsync(new PageRequest { Take = 10 })).Items);
    }

    private static async Task<List<string>> ListAsync(IRenterGrain grain)
    {
        var all = new List<string>();
        while (true)
        {
            var page = await grain.ClustersAsync(new PageRequest { Skip = all.Count, Take = 300 });
            all.AddRange(page.Items);
            if (all.Count >= page.Total || page.Items.Count == 0)
            {
                return all;
            }
        }
    }
}
