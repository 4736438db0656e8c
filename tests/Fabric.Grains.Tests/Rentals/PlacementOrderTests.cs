using Fabric.Clusters;

namespace Fabric.Tests.Rentals;

public sealed class PlacementOrderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Aging = TimeSpan.FromMinutes(2);

    private static QueueEntry Entry(string id, string renter, Priority priority = Priority.Normal, DateTimeOffset? at = null, bool cheap = false) =>
        new() { ClusterId = id, Renter = renter, Priority = priority, QueuedAt = at ?? T0, Cheap = cheap, Gpus = 1 };

    [Fact]
    public void One_renters_thousand_requests_do_not_block_another_renters_one()
    {
        var order = new PlacementOrder(Aging);
        for (var i = 0; i < 1000; i++)
        {
            order.Add(Entry($"a{i:D4}", "alice", at: T0.AddMilliseconds(i)));
        }

        order.Add(Entry("b", "bob", at: T0.AddSeconds(10)));

        var first = order.Next(T0.AddSeconds(11))!;
        var second = order.Next(T0.AddSeconds(11))!;

        Assert.Equal(["a0000", "b"], new[] { first.ClusterId, second.ClusterId });
    }

    [Fact]
    public void Higher_priority_goes_first_but_a_long_wait_lifts_low_priority_past_newcomers()
    {
        var order = new PlacementOrder(Aging);
        order.Add(Entry("old-low", "alice", Priority.Low, T0));
        order.Add(Entry("new-high", "bob", Priority.High, T0.AddMinutes(1)));
        Assert.Equal("new-high", order.Next(T0.AddMinutes(1))!.ClusterId);

        order = new PlacementOrder(Aging);
        order.Add(Entry("old-low", "alice", Priority.Low, T0));
        order.Add(Entry("new-high", "bob", Priority.High, T0.AddMinutes(10)));
        // Five aging steps later, low (0 + 5) outranks a fresh high (2).
        Assert.Equal("old-low", order.Next(T0.AddMinutes(10))!.ClusterId);
    }

    [Fact]
    public void A_cheap_request_yields_to_others_of_the_same_standing()
    {
        var order = new PlacementOrder(Aging);
        order.Add(Entry("cheap", "alice", at: T0, cheap: true));
        order.Add(Entry("normal", "bob", at: T0.AddSeconds(5)));

        Assert.Equal("normal", order.Next(T0.AddSeconds(5))!.ClusterId);
        Assert.Equal("cheap", order.Next(T0.AddSeconds(5))!.ClusterId);
    }

    [Fact]
    public void An_entry_without_capacity_sleeps_until_woken_and_a_placed_one_leaves()
    {
        var order = new PlacementOrder(Aging);
        order.Add(Entry("a", "alice"));
        order.Add(Entry("b", "bob"));
        var a = order.Next(T0)!;
        var b = order.Next(T0)!;
        Assert.Null(order.Next(T0)); // both in flight

        order.Done(a.ClusterId, placed: true);
        order.Done(b.ClusterId, placed: false);
        Assert.Equal(1, order.Count);
        Assert.Null(order.Next(T0));

        Assert.True(order.WakeAll());
        Assert.Equal("b", order.Next(T0)!.ClusterId);
    }
}
