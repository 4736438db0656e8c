using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;

namespace Fabric.Samples;

/// <summary>What the in-process benchmark silos share: free ports to listen on, and a bounded stop.</summary>
/// <remarks>Compiled into each benchmark (a linked file), not a library: samples stay single projects.</remarks>
internal static class BenchSiloHosting
{
    /// <summary>Two loopback ports free now, for the silo and its gateway.</summary>
    public static (int Silo, int Gateway) FreePorts()
    {
        var listeners = new[] { new TcpListener(IPAddress.Loopback, 0), new TcpListener(IPAddress.Loopback, 0) };
        foreach (var listener in listeners)
        {
            listener.Start();
        }

        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners)
        {
            listener.Stop();
        }

        return (ports[0], ports[1]);
    }

    /// <summary>Stops and disposes the host, giving it 30 s, and drops pooled SQLite connections.</summary>
    public static async ValueTask StopAsync(IHost host)
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StopAsync(stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // Shutting down 100,000 activations may outlast the grace period; the process ends anyway.
        }

        host.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
