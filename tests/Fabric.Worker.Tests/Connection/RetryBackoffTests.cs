using Fabric.Worker.Connection;

namespace Fabric.Worker.Tests.Connection;

public sealed class RetryBackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1, 0.0, 500)]
    [InlineData(1, 1.0, 1000)]
    [InlineData(2, 0.5, 1500)]
    [InlineData(3, 0.0, 2000)]
    [InlineData(5, 1.0, 16000)]
    [InlineData(6, 0.0, 15000)]
    [InlineData(6, 1.0, 30000)]
    [InlineData(1000, 1.0, 30000)]
    public void Delay_doubles_with_jitter_between_half_and_all_of_the_ceiling(int attempt, double jitter, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), RetryBackoff.Delay(attempt, Base, Max, jitter));
    }

    [Fact]
    public void Random_jitter_stays_within_bounds()
    {
        for (var attempt = 1; attempt < 12; attempt++)
        {
            var ceiling = Math.Min(Max.TotalMilliseconds, Base.TotalMilliseconds * Math.Pow(2, attempt - 1));
            Assert.InRange(RetryBackoff.Delay(attempt, Base, Max).TotalMilliseconds, ceiling / 2, ceiling);
        }
    }
}
