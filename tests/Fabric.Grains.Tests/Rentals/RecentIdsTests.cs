using System.Collections.Immutable;
using Fabric.Jobs;

namespace Fabric.Tests.Rentals;

public sealed class RecentIdsTests
{
    [Fact]
    public void An_id_added_twice_is_listed_once_where_it_first_came()
    {
        var recent = new RecentIds(["b", "a"], kept: 10);

        recent.Prepend("c");
        var ids = recent.Prepend("a");

        Assert.Equal(["c", "b", "a"], ids);
    }

    [Fact]
    public void Past_the_bound_the_oldest_drop_off_and_may_be_listed_again_as_new()
    {
        var recent = new RecentIds(ImmutableList<string>.Empty, kept: 3);
        foreach (var id in new[] { "1", "2", "3", "4", "5" })
        {
            recent.Prepend(id);
        }

        Assert.Equal(["5", "4", "3"], recent.Ids);
        Assert.Equal(["1", "5", "4"], recent.Prepend("1"));
        Assert.Equal(["1", "5", "4"], recent.Prepend("4"));
    }

    [Fact]
    public void Stored_ids_count_as_listed()
    {
        var recent = new RecentIds(["x", "y"], kept: 5);

        Assert.Same(recent.Ids, recent.Prepend("y"));
    }
}
