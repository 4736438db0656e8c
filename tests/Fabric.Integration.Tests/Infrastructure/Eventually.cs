namespace Fabric.Integration.Infrastructure;

/// <summary>
/// Waits for another process to reach a state (a silo declared dead, a cluster formed). It checks the real state
/// until a deadline, so the test is as fast as the system and fails with what it last saw, never on a fixed sleep.
/// </summary>
public static class Eventually
{
    public static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? lastError = null;
        T? last = default;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await probe();
                if (done(last))
                {
                    return last;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                lastError = e;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        throw new TimeoutException($"Timed out after {timeout} waiting for {what}; last seen: {last}; last error: {lastError?.Message}");
    }
}
