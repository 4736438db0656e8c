using System.Net.NetworkInformation;

namespace Fabric.Worker.Hosting;

/// <summary>
/// Bytes this machine received and sent on its non-loopback interfaces since the worker started: the traffic counters
/// heartbeats carry. Host-wide (every GPU of the machine reports the same), never decreasing (an interface that goes
/// away does not take its bytes back).
/// </summary>
public sealed class NetworkCounters
{
    private readonly Func<(long In, long Out)> _read;
    private readonly (long In, long Out) _start;
    private readonly Lock _lock = new();
    private (long In, long Out) _last;

    public NetworkCounters()
        : this(ReadInterfaces)
    {
    }

    /// <param name="read">Reads the machine's total counters (tests pass a fake).</param>
    public NetworkCounters(Func<(long In, long Out)> read)
    {
        _read = read;
        _start = SafeRead();
    }

    /// <summary>Bytes in and out since construction.</summary>
    public (long BytesIn, long BytesOut) SinceStart()
    {
        var now = SafeRead();
        lock (_lock)
        {
            _last = (Math.Max(_last.In, now.In - _start.In), Math.Max(_last.Out, now.Out - _start.Out));
            return _last;
        }
    }

    private (long In, long Out) SafeRead()
    {
        try
        {
            return _read();
        }
        catch (NetworkInformationException)
        {
            return _start;
        }
    }

    private static (long In, long Out) ReadInterfaces()
    {
        long received = 0, sent = 0;
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            var statistics = nic.GetIPStatistics();
            received += statistics.BytesReceived;
            sent += statistics.BytesSent;
        }

        return (received, sent);
    }
}
