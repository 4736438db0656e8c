using System.Net;
using System.Net.Sockets;

namespace Fabric.Integration.Infrastructure;

/// <summary>Ports the OS says are free right now on loopback.</summary>
public static class FreePorts
{
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ =>
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return listener;
        }).ToList();

        // Hold all of them until every port is known, so one call never returns the same port twice.
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
