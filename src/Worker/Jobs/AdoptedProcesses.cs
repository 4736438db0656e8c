using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Fabric.Worker.Jobs;

/// <summary>
/// What ranks leave running outside their process group: a daemon that started a session of its own escapes the group
/// kill at the end of its rank, and would go on holding the GPU. The worker makes itself the child subreaper, so such a
/// process, once its parent is gone, becomes the worker's child instead of init's. A sweep then finds the worker's
/// adopted children, reads which launch each came from (the <c>FABRIC_JOB_ID</c>, <c>FABRIC_RANK</c> and
/// <c>FABRIC_RESTART_COUNT</c> it inherited), kills those whose rank no longer runs, and reaps the dead.
/// </summary>
/// <remarks>
/// Linux only. Sweeps run soon after a rank exits (<see cref="Nudge"/>; at most one per <see cref="MinimumGap"/>) and
/// every <see cref="Interval"/>. A process still running for a live rank is left alone (a rank may keep a daemon on
/// purpose while it runs); one that cleared its environment cannot be told apart and is left alone too.
/// The worker's own short-lived children (nvidia-smi, setsid before it execs) are .NET's to reap: they share the
/// worker's session, and a dead child is reaped here only when it is not a rank and was already dead a sweep before.
/// </remarks>
internal sealed partial class AdoptedProcesses : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MinimumGap = TimeSpan.FromMilliseconds(200);

    private const int PrSetChildSubreaper = 36;
    private const int WNoHang = 1;
    private const int SigKill = 9;

    private readonly Func<LaunchMark, bool> _live;
    private readonly Func<int, bool> _isRank;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _self = Environment.ProcessId;
    private readonly int _session;
    private readonly SemaphoreSlim _nudged = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _sweeping = new();
    private HashSet<int> _deadBefore = [];
    private Task _loop = Task.CompletedTask;

    private AdoptedProcesses(Func<LaunchMark, bool> live, Func<int, bool> isRank, TimeProvider time, ILogger logger)
    {
        _live = live;
        _isRank = isRank;
        _time = time;
        _logger = logger;
        _session = GetSid(0);
    }

    /// <summary>
    /// Makes this process the child subreaper and starts sweeping, or returns null (with a warning) where the system
    /// refuses. <paramref name="live"/> says whether a launch still runs; <paramref name="isRank"/> whether a process
    /// id is a rank the runner started and waits for.
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static AdoptedProcesses? Start(Func<LaunchMark, bool> live, Func<int, bool> isRank, TimeProvider time, ILogger logger)
    {
        if (Prctl(PrSetChildSubreaper, 1, 0, 0, 0) != 0)
        {
            LogNoSubreaper(logger, Marshal.GetLastPInvokeErrorMessage());
            return null;
        }

        var adopted = new AdoptedProcesses(live, isRank, time, logger);
        adopted._loop = adopted.RunAsync();
        return adopted;
    }

    /// <summary>A rank has exited: sweep soon.</summary>
    public void Nudge()
    {
        try
        {
            _nudged.Release();
        }
        catch (SemaphoreFullException)
        {
            // A sweep is already due.
        }
    }

    /// <summary>One sweep: kills the adopted processes of launches that no longer run; returns how many it killed.</summary>
    public int Sweep()
    {
        lock (_sweeping)
        {
            var killed = 0;
            var dead = new HashSet<int>();
            foreach (var child in AdoptedChildren())
            {
                if (_isRank(child.Pid))
                {
                    continue;
                }

                if (child.Dead)
                {
                    // Dead twice in a row: nobody else will reap it (.NET reaps its own children as soon as they die).
                    if (_deadBefore.Contains(child.Pid))
                    {
                        _ = WaitPid(child.Pid, IntPtr.Zero, WNoHang);
                    }
                    else
                    {
                        dead.Add(child.Pid);
                    }

                    continue;
                }

                if (ReadMark(child.Pid) is not { } mark || _live(mark))
                {
                    continue;
                }

                // A process that leads its group takes its group with it; whatever leaves that group is adopted in turn.
                if (Kill(child.Group == child.Pid ? -child.Pid : child.Pid, SigKill) == 0)
                {
                    killed++;
                    dead.Add(child.Pid);
                    LogKilled(_logger, child.Pid, mark.JobId, mark.Rank, mark.RestartCount);
                }
            }

            _deadBefore = dead;
            return killed;
        }
    }

    /// <summary>
    /// Stops sweeping, after one last sweep (the runner has stopped every launch by then), and stops adopting: orphans
    /// go to init again.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Sweep();
        _ = Prctl(PrSetChildSubreaper, 0, 0, 0, 0);
        _stop.Dispose();
        _nudged.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _nudged.WaitAsync(Interval, _stop.Token);
                if (Sweep() > 0)
                {
                    Nudge(); // reap what was killed on the next pass
                }

                await Task.Delay(MinimumGap, _time, _stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next sweep tries again: a sweep that fails must not end the sweeping.
                LogSweepFailed(_logger, e.Message);
            }
        }
    }

    /// <summary>
    /// The worker's children outside its own session: ranks (each in a session of its own) and what was adopted.
    /// Without /proc/PID/task/TID/children on every kernel, this reads every process's stat.
    /// </summary>
    private List<Child> AdoptedChildren()
    {
        var children = new List<Child>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(folder.AsSpan());
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || !int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            if (ReadStat(pid) is { } child && child.Parent == _self && child.Session != _session)
            {
                children.Add(child);
            }
        }

        return children;
    }

    private static Child? ReadStat(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // gone meanwhile
        }

        // "pid (command) state ppid pgrp session ...": the command may hold spaces and parentheses, so split after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 5);
        var invariant = CultureInfo.InvariantCulture;
        return fields.Length == 5
            && int.TryParse(fields[1], invariant, out var parent)
            && int.TryParse(fields[2], invariant, out var group)
            && int.TryParse(fields[3], invariant, out var session)
            ? new Child(pid, fields[0] is "Z" or "X", parent, group, session)
            : null;
    }

    /// <summary>The launch a process came from, as its environment says, or null.</summary>
    private static LaunchMark? ReadMark(int pid)
    {
        byte[] environ;
        try
        {
            environ = File.ReadAllBytes($"/proc/{pid}/environ");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        string? job = null;
        int? rank = null, restart = null;
        foreach (var entry in Encoding.UTF8.GetString(environ).Split('\0'))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var value = entry[(equals + 1)..];
            switch (entry[..equals])
            {
                case "FABRIC_JOB_ID":
                    job = value;
                    break;
                case "FABRIC_RANK" when int.TryParse(value, CultureInfo.InvariantCulture, out var r):
                    rank = r;
                    break;
                case "FABRIC_RESTART_COUNT" when int.TryParse(value, CultureInfo.InvariantCulture, out var n):
                    restart = n;
                    break;
            }
        }

        return job is not null && rank is { } rankValue && restart is { } restartValue ? new LaunchMark(job, rankValue, restartValue) : null;
    }

    private readonly record struct Child(int Pid, bool Dead, int Parent, int Group, int Session);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "getsid")]
    private static partial int GetSid(int pid);

    [LibraryImport("libc", EntryPoint = "waitpid")]
    private static partial int WaitPid(int pid, IntPtr status, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot adopt what job processes leave running (prctl: {Reason}); a daemon that leaves its rank's session outlives the rank")]
    private static partial void LogNoSubreaper(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Killed process {Pid}, left running by job {JobId} rank {Rank} (restart {RestartCount}) after the rank ended")]
    private static partial void LogKilled(ILogger logger, int pid, string jobId, int rank, int restartCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep for processes left running by ended ranks failed: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}

/// <summary>Which launch a process belongs to: its job, rank and restart count.</summary>
internal readonly record struct LaunchMark(string JobId, int Rank, int RestartCount);
