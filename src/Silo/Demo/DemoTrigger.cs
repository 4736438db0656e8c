namespace Fabric.Silo.Demo;

/// <summary>
/// Starts the demo once the silo serves and its banner is out (so the demo's lines follow the banner, not mix with
/// it). <see cref="SiloApp"/> pulls it after printing the banner.
/// </summary>
public sealed class DemoTrigger
{
    private readonly TaskCompletionSource _pulled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the demo may begin.</summary>
    public Task Pulled => _pulled.Task;

    public void Pull() => _pulled.TrySetResult();
}
