namespace Fabric.Client;

/// <summary>
/// How a client finds Fabric. Either a static list of gateways, or the cluster's own database (the silos write
/// their gateways into it): the SQLite file in a data folder, or PostgreSQL.
/// </summary>
public sealed class FabricClientOptions
{
    public const string Section = "Fabric:Client";

    /// <summary>Gateways as "host:port"; when set, the database is not consulted.</summary>
    public IList<string> Gateways { get; init; } = [];

    /// <summary>"sqlite" (default) or "postgres": where to read gateways when <see cref="Gateways"/> is empty.</summary>
    public string StorageKind { get; set; } = "sqlite";

    /// <summary>Data folder of an SQLite-backed cluster (default ./.fabric).</summary>
    public string DataDir { get; set; } = ".fabric";

    /// <summary>PostgreSQL connection string of a PostgreSQL-backed cluster.</summary>
    public string? ConnectionString { get; set; }

    public string ClusterId { get; set; } = "fabric";

    public string ServiceId { get; set; } = "fabric";

    /// <summary>Connection attempts before giving up (the first included).</summary>
    public int ConnectAttempts { get; set; } = 5;

    /// <summary>Delay before the first retry; it doubles per attempt, with jitter, up to <see cref="ConnectMaxDelay"/>.</summary>
    public TimeSpan ConnectBaseDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan ConnectMaxDelay { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How long one call may wait for its answer.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Connect while the host starts, so a misconfigured app fails at start rather than at first use.</summary>
    public bool ConnectOnStart { get; set; } = true;
}
