namespace Fabric.Worker;

/// <summary>The exit codes fabric-worker documents in its help.</summary>
public static class WorkerExitCodes
{
    /// <summary>Stopped (Ctrl+C, SIGTERM, the service manager, or --once finished).</summary>
    public const int Stopped = 0;

    /// <summary>Bad setup: unreadable keypair, malformed nvidia-smi output, no GPU and no --simulate, a refused registration.</summary>
    public const int BadSetup = 1;

    /// <summary>Fabric could not be reached at start (only with --once; otherwise the worker keeps retrying).</summary>
    public const int Unreachable = 2;

    /// <summary>The command line or configuration is wrong (unknown option, missing value, out-of-range number).</summary>
    public const int Usage = 64;
}
