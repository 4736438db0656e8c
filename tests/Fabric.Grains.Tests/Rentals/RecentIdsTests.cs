using System.Collections.Immutable;
using Fabric.Jobs;

namespace Fabric.Tests.Rentals;

public sealed class RecentIdsTests
{
    [Fact]
    public void An_id_added_twice_is_listed_once_where_it_first_came()
    {
        var recent = new RecentIds(["b", "a"], [], kept: 10);

        recent.Prepend("c");
        var ids = recent.Prepend("a");

        Assert.Equal(["c", "b", "a"], ids);
    }

    [Fact]
    public void Past_the_bound_the_oldest_drop_off_and_may_be_listed_again_as_new()
    {
        var recent = new RecentIds([], ImmutableList<string>.Empty, kept: 3);
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
        var recent = new RecentIds(["x"], ["y"], kept: 5);

        Assert.Same(recent.Ids, recent.Prepend("y"));
    }

    [Fact]
    public void A_roll_that_crashed_before_the_head_was_written_lists_each_id_once()
    {
        // The archive was written with the head's ids; the head still holds them.
        var recent = new RecentIds(["c", "b"], ["c", "b", "a"], kept: 10);

        Assert.Equal(["c", "b", "a"], recent.Ids);
        Assert.Equal(2, recent.HeadCount);
    }

    [Fact]
    public void Ids_added_while_the_archive_was_written_stay_in_the_head()
    {
        var recent = new RecentIds([], ["a"], kept: 10);
        recent.Prepend("b");
        recent.Prepend("c");
        var rolled = recent.HeadCount;

        recent.Prepend("d"); // arrives while the archive (a, b, c) is being written
        recent.Rolled(rolled);

        Assert.Equal(["d"], recent.Head);
        Assert.Equal(["d", "c", "b", "a"], recent.Ids);
    }

    [Fact]
    public void Head_and_archive_reload_to_the_same_list_through_any_sequence_of_additions_and_rolls()
    {
        var random = new Random(7);
        var recent = new RecentIds([], [], kept: 50);
        var archive = ImmutableList<string>.Empty;
        for (var step = 0; step < 2_000; step++)
        {
            recent.Prepend($"id{random.Next(120)}");
            if (random.Next(10) == 0)
            {
                archive = recent.Ids;
                recent.Rolled(recent.HeadCount);
            }

            var reloaded = new RecentIds(recent.Head, archive, kept: 50);
            Assert.Equal(recent.Ids, reloaded.Ids);
        }

        Assert.InRange(recent.HeadCount, 0, 50);
    }
}
