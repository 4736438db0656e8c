using System.Runtime.InteropServices;

namespace Fabric.Worker.Jobs;

/// <summary>
/// A job's process in a session, and so a process group, of its own: util-linux's <c>setsid</c> makes it and execs the
/// program in place, under the same process id. What the process starts stays in its group unless it leaves on purpose,
/// so the whole group can be killed when the rank ends; a background process left running would otherwise go on using
/// the GPU after the rank ended. Linux only: elsewhere, or without setsid, processes start as they always did.
/// </summary>
internal static partial class ProcessGroup
{
    private const int SigKill = 9;

    /// <summary>The setsid program, or null where a job cannot get a group of its own.</summary>
    public static string? Setsid { get; } =
        OperatingSystem.IsLinux() ? Array.Find(["/usr/bin/setsid", "/bin/setsid"], File.Exists) : null;

    /// <summary>Kills every process still in the group that <paramref name="leader"/> led; false when none was left.</summary>
    // Safe after the leader was reaped: Linux does not give its id to a new process while the group still has members,
    // and an empty group only answers "no such process".
    public static bool KillAll(int leader) => leader > 1 && Kill(-leader, SigKill) == 0;

    /// <summary>
    /// Where the system finds <paramref name="program"/>, in the order .NET's own process start looks (a path as given;
    /// else the worker's folder, the current folder, then PATH), or why it cannot run it: setsid starts the program
    /// after the fork, where a failure could only show as an exit code, so it is found and checked first.
    /// </summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static (string? Path, string? Failure) Resolve(string program)
    {
        IEnumerable<string> candidates = program.Contains('/', StringComparison.Ordinal)
            ? [System.IO.Path.GetFullPath(program)]
            : new[] { AppContext.BaseDirectory, Environment.CurrentDirectory }
                .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
                .Select(folder => System.IO.Path.Combine(folder, program));
        string? notExecutable = null;
        foreach (var candidate in candidates)
        {
            if (!File.Exists(candidate))
            {
                continue;
            }

            if ((File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return (candidate, null);
            }

            notExecutable ??= candidate;
        }

        return notExecutable is null ? (null, "No such file or directory") : (null, $"Permission denied ({notExecutable} is not executable)");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
