namespace Fabric.Worker;

/// <summary>
/// What the worker serves and where it reports. Bound from the <c>Fabric:Worker</c> section: flags, then
/// <c>FABRIC__WORKER__...</c> environment variables, then appsettings.json (flags win).
/// </summary>
public sealed class WorkerOptions
{
    public const string Section = "Fabric:Worker";

    /// <summary>Gateways as HOST:PORT (<c>FABRIC__WORKER__GATEWAYS__0</c>, ...). Empty: the data folder, else 127.0.0.1:30000.</summary>
    public IList<string> Gateways { get; init; } = [];

    /// <summary>Data folder of an SQLite-backed cluster whose database lists the gateways (used when no gateway is given).</summary>
    public string? DataDir { get; set; }

    /// <summary>Path of the owner's solana-keygen keypair file: it signs registration and connection, and owns the devices.</summary>
    public string? Keypair { get; set; }

    /// <summary>Number of simulated GPUs to serve instead of detecting real ones (0: detect with nvidia-smi).</summary>
    public int Simulate { get; set; }

    /// <summary>Model of the simulated GPUs, e.g. "RTX 4090".</summary>
    public string? Model { get; set; }

    /// <summary>VRAM of each simulated GPU in MiB (default: the model's).</summary>
    public int? VramMib { get; set; }

    /// <summary>Region code, e.g. "eu". Applied at registration, and to a known device when it differs.</summary>
    public string? Region { get; set; }

    /// <summary>Asking price in IOSD per GPU-hour, e.g. 0.45. Applied at registration, and to a known device when it differs.</summary>
    public decimal? Price { get; set; }

    /// <summary>Register and connect every GPU, send one heartbeat each, then exit (exit code 2 when Fabric cannot be reached).</summary>
    public bool Once { get; set; }

    /// <summary>Show Fabric's and Orleans' diagnostics.</summary>
    public bool Verbose { get; set; }

    /// <summary>Connection attempts before --once gives up (the first included).</summary>
    public int OnceConnectAttempts { get; set; } = 5;

    /// <summary>First delay between connection attempts; it doubles per attempt, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one grain call may wait for its answer.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Round trips timed to measure latency to the gateway (median reported).</summary>
    public int LatencySamples { get; set; } = 5;

    /// <summary>Folder jobs run in (one subfolder per job). Default: the user's local data folder, fabric-worker/work.</summary>
    public string? WorkDir { get; set; }

    /// <summary>Address other ranks of a job reach this machine at (default: its first IPv4 address).</summary>
    public string? AdvertiseAddress { get; set; }

    public string ClusterId { get; set; } = "fabric";

    public string ServiceId { get; set; } = "fabric";
}
