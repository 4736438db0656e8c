namespace Fabric.Tests;

public sealed class LongPollTests
{
    // How long the tests wait for what should happen at once: only a hung poll gets near it.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TaskCompletionSource _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Fact]
    public async Task A_poll_is_answered_when_its_signal_comes()
    {
        var waiting = LongPoll.WaitAsync(_signal.Task, TimeSpan.FromMinutes(10), CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        _signal.SetResult();

        await waiting.WaitAsync(Patience, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_poll_waiting_when_the_silo_starts_to_stop_is_answered_at_once()
    {
        using var stopping = new CancellationTokenSource();
        var waiting = LongPoll.WaitAsync(_signal.Task, TimeSpan.FromMinutes(10), stopping.Token);
        Assert.False(waiting.IsCompleted);

        await stopping.CancelAsync();

        await waiting.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.False(_signal.Task.IsCompleted);
    }

    [Fact]
    public async Task A_poll_that_comes_in_while_the_silo_stops_still_waits_but_not_for_its_whole_limit()
    {
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();

        // Answered at once, a worker would poll again and again until the silo is gone.
        var waiting = LongPoll.WaitAsync(_signal.Task, TimeSpan.FromMinutes(10), stopping.Token);
        Assert.False(waiting.IsCompleted);

        await waiting.WaitAsync(Patience, TestContext.Current.CancellationToken);
    }
}
