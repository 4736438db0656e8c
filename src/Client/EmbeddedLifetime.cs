using Microsoft.Extensions.Hosting;

namespace Fabric.Client;

/// <summary>
/// The lifetime of the host a <see cref="FabricClient"/> keeps inside someone else's process. The default one
/// (ConsoleLifetime) takes SIGINT and SIGTERM for itself: it would swallow the embedding program's Ctrl+C, stop
/// only the client and leave that program running, connection gone. Here the program owns its signals and ends the
/// client by disposing it.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
