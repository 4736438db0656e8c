namespace Fabric.Worker.Connection;

/// <summary>Exponential backoff with jitter: attempt n waits between half and all of min(max, base × 2^(n−1)).</summary>
public static class RetryBackoff
{
    /// <param name="attempt">1 for the first retry.</param>
    /// <param name="baseDelay">The first delay's upper bound.</param>
    /// <param name="maxDelay">No delay exceeds this.</param>
    /// <param name="jitter">A number in [0, 1), e.g. <c>Random.Shared.NextDouble()</c>.</param>
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var exponent = Math.Min(attempt - 1, 30);
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (ceiling / 2 * Math.Clamp(jitter, 0, 1)));
    }

    /// <summary>A delay with jitter from the shared generator (jitter spreads reconnecting workers apart, not a secret).</summary>
#pragma warning disable CA5394
    public static TimeSpan Delay(int attempt, TimeSpan baseDelay, TimeSpan maxDelay) =>
        Delay(attempt, baseDelay, maxDelay, Random.Shared.NextDouble());
#pragma warning restore CA5394
}
