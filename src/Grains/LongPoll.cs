namespace Fabric;

/// <summary>
/// The wait of a long poll (a worker's inbox poll, <c>job logs -f</c>, <c>cluster deploy --wait</c>): until its signal,
/// its limit, or the silo stopping. A stopping silo deactivates a grain only once the grain's calls have returned, so
/// polls waiting when it starts to stop are answered at once, and polls that come in after wait a second at most:
/// the silo stops in about a second rather than after the longest poll (10–20 s).
/// </summary>
public static class LongPoll
{
    /// <summary>Longest a poll waits on a silo that is stopping.</summary>
    public static readonly TimeSpan WhileStopping = TimeSpan.FromSeconds(1);

    /// <param name="signal">Completes when there is something to answer with.</param>
    /// <param name="limit">The longest the caller may wait, in real time.</param>
    /// <param name="stopping">The silo's <c>IHostApplicationLifetime.ApplicationStopping</c>.</param>
    public static Task WaitAsync(Task signal, TimeSpan limit, CancellationToken stopping) =>
        Task.WhenAny(signal, stopping.IsCancellationRequested
            ? Task.Delay(limit < WhileStopping ? limit : WhileStopping, CancellationToken.None)
            : Task.Delay(limit, stopping));
}
