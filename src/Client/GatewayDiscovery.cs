using System.Globalization;
using System.Net;
using Fabric.Storage;

namespace Fabric.Client;

/// <summary>Where a client looks for gateways, decided once from the options.</summary>
public sealed record GatewayDiscovery
{
    private GatewayDiscovery(IReadOnlyList<IPEndPoint>? gateways, FabricStorage? storage, string description)
    {
        Gateways = gateways;
        Storage = storage;
        Description = description;
    }

    /// <summary>Static gateways; null when discovering through storage.</summary>
    public IReadOnlyList<IPEndPoint>? Gateways { get; }

    /// <summary>The cluster database; null when gateways are static.</summary>
    public FabricStorage? Storage { get; }

    /// <summary>Where the client looked, for error messages.</summary>
    public string Description { get; }

    /// <summary>Reads the options; malformed gateways or storage settings throw <see cref="ArgumentException"/>.</summary>
    public static GatewayDiscovery From(FabricClientOptions options)
    {
        if (options.Gateways.Count > 0)
        {
            var endpoints = options.Gateways.Select(ParseGateway).ToList();
            return new GatewayDiscovery(endpoints, null, $"gateway {string.Join(", ", options.Gateways)}");
        }

        FabricStorage storage;
        try
        {
            storage = FabricStorage.From(options.StorageKind, options.DataDir, options.ConnectionString);
        }
        catch (FabricStorageException e)
        {
            throw new ArgumentException(e.Message, nameof(options), e);
        }

        return new GatewayDiscovery(null, storage, $"the gateways listed in the {storage.Description}");
    }

    /// <summary>Parses "host:port" ("127.0.0.1:30000", "localhost:30000", "[::1]:30000").</summary>
    public static IPEndPoint ParseGateway(string gateway)
    {
        var colon = gateway.LastIndexOf(':');
        if (colon <= 0 || colon == gateway.Length - 1
            || !int.TryParse(gateway[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            throw new ArgumentException($"Gateway '{gateway}' is not HOST:PORT (e.g. 127.0.0.1:30000).", nameof(gateway));
        }

        var host = gateway[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            var resolved = Dns.GetHostAddresses(host);
            var pick = resolved.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                       ?? resolved.FirstOrDefault()
                       ?? throw new ArgumentException($"Gateway host '{host}' has no address.", nameof(gateway));
            return new IPEndPoint(pick, port);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new ArgumentException($"Gateway host '{host}' cannot be resolved: {e.Message}", nameof(gateway), e);
        }
    }
}
