using System.Net;
using Fabric.Storage;

namespace Fabric.Silo;

/// <summary>
/// The silo's settings, bound from the "Fabric" section: appsettings.json, FABRIC__... environment variables and the
/// command-line flags (see <see cref="SiloCommandLine"/>), later sources winning.
/// </summary>
public sealed class FabricSiloOptions
{
    public const string Section = "Fabric";

    /// <summary>Folder for the SQLite database and other local files; relative to the working directory.</summary>
    public string DataDir { get; set; } = ".fabric";

    public StorageSettings Storage { get; set; } = new();

    /// <summary>Port for silo-to-silo traffic.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (CLI, workers, partner apps) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Port of the HTTP surface (/healthz, /status).</summary>
    public int HttpPort { get; set; } = 8480;

    /// <summary>
    /// Address other silos and clients reach this silo at. Loopback suits one machine; give the machine's address
    /// when silos run on several machines (the silo then listens on all interfaces).
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Silos with the same cluster id and storage form one cluster.</summary>
    public string ClusterId { get; set; } = "fabric";

    /// <summary>Names the stored state; keep it across deployments.</summary>
    public string ServiceId { get; set; } = "fabric";

    /// <summary>
    /// Run the demo (--demo) once the silo serves: simulated GPUs, a funded renter, sample clusters and jobs
    /// (see <see cref="Demo.DemoService"/>).
    /// </summary>
    public bool Demo { get; set; }

    /// <summary>Storage kind and, for PostgreSQL, where it is.</summary>
    public sealed class StorageSettings
    {
        /// <summary>"sqlite" (default) or "postgres".</summary>
        public string Kind { get; set; } = "sqlite";

        /// <summary>PostgreSQL connection string ("Host=...;Database=...;Username=...;Password=...").</summary>
        public string? ConnectionString { get; set; }
    }

    /// <summary>Checks every value and returns the problems in words an operator can act on.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        CheckPort(problems, "--silo-port", SiloPort);
        CheckPort(problems, "--gateway-port", GatewayPort);
        CheckPort(problems, "--http-port", HttpPort);
        if (new[] { SiloPort, GatewayPort, HttpPort }.Distinct().Count() < 3)
        {
            problems.Add($"Silo, gateway and HTTP ports must differ (got {SiloPort}, {GatewayPort}, {HttpPort}).");
        }

        if (!IPAddress.TryParse(AdvertisedAddress, out _))
        {
            problems.Add($"Advertised address '{AdvertisedAddress}' is not an IP address.");
        }

        if (string.IsNullOrWhiteSpace(ClusterId) || string.IsNullOrWhiteSpace(ServiceId))
        {
            problems.Add("Cluster id and service id must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(DataDir))
        {
            problems.Add("The data folder must not be empty.");
        }

        try
        {
            FabricStorage.ParseKind(Storage.Kind);
        }
        catch (FabricStorageException e)
        {
            problems.Add(e.Message);
        }

        return problems;
    }

    private static void CheckPort(List<string> problems, string flag, int port)
    {
        if (port is < 1 or > 65535)
        {
            problems.Add($"{flag} {port} is not a TCP port (1 to 65535).");
        }
    }
}
