namespace Fabric.Cli;

/// <summary>The exit codes the fabric command documents in its help.</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Fabric understood the request and refused it (bad value, unknown id, conflict).</summary>
    public const int Rejected = 1;

    /// <summary>No silo answered where the command looked.</summary>
    public const int Unreachable = 2;

    /// <summary>The command line itself is wrong (unknown option, missing value).</summary>
    public const int Usage = 64;

    /// <summary>Ctrl+C cut the command short (SIGTERM: 143); as a shell reports a process a signal ended.</summary>
    public const int Interrupted = 130;
}
