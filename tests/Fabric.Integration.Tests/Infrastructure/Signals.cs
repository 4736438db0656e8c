using System.Diagnostics;
using System.Globalization;

namespace Fabric.Integration.Infrastructure;

/// <summary>How tests end the processes they start: as a user or a service manager would, or outright.</summary>
internal static class Signals
{
    /// <summary>SIGTERM, what systemd, <c>kill</c> and a script's timeout send; returns once it is sent.</summary>
    public static async Task TerminateAsync(Process process)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Kills the process and its children if it still runs (a test that failed half-way), then releases it.</summary>
    public static async Task EndAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
