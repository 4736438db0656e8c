using static Fabric.Rejections;

namespace Fabric.Tests;

public sealed class RejectionsTests
{
    [Fact]
    public void A_broken_rule_refuses_with_its_formatted_message()
    {
        var take = 500;

        var refused = Assert.Throws<FabricRejectedException>(() => Require(take <= 200, $"Take must be at most {200} (was {take}, {new Counted()})."));

        Assert.Equal("Take must be at most 200 (was 500, counted).", refused.Message);
    }

    [Fact]
    public void A_rule_that_holds_formats_nothing()
    {
        var counted = new Counted();

        Require(counted.Formatted == 0, $"never formatted: {counted}");
        Require(true, $"nor this: {counted}, {counted}");

        Assert.Equal(0, counted.Formatted);
    }

    private sealed class Counted
    {
        public int Formatted { get; private set; }

        public override string ToString()
        {
            Formatted++;
            return "counted";
        }
    }
}
