using System.Globalization;
using System.Runtime.Versioning;
using Fabric.Worker.Jobs;
using static Fabric.Worker.Tests.Jobs.JobTesting;

namespace Fabric.Worker.Tests.Jobs;

/// <summary>
/// A runner that adopts what ranks leave running, as the worker host runs it. It makes this test process the child
/// subreaper while it runs, and its sweeps would judge other tests' processes by launches they do not know: so these
/// tests run alone, after the others.
/// </summary>
[SupportedOSPlatform("linux")]
[Collection(AdoptingCollection.Name)]
public sealed class AdoptedProcessesTests : IAsyncDisposable
{
    // Output held open by a daemon would keep a rank from completing for this long: a completion sooner shows the daemon died.
    private static readonly TimeSpan LongGrace = TimeSpan.FromMinutes(10);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fabric-adopt-");
    private readonly RecordingSink _sink = new();
    private readonly JobRunner _runner;

    public AdoptedProcessesTests()
    {
        _runner = new JobRunner(Options(_root) with { AdoptLeftBehind = true, OutputGracePeriod = LongGrace }, _sink, TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        await _runner.DisposeAsync();
        _root.Delete(recursive: true);
    }

    [Fact]
    public async Task A_daemon_in_a_session_of_its_own_is_killed_and_reaped_once_its_rank_ends()
    {
        // setsid (not a group leader here) execs in place: $! is the daemon. The rank waits until it has left the session.
        var started = await _runner.LaunchAsync(
            Shell("setsid sleep 100 & p=$!; while [ \"$(cut -d' ' -f6 /proc/$p/stat)\" = \"$$\" ]; do sleep 0.01; done; echo $p"));
        Assert.True(started.Started, started.Failure);

        // The daemon holds the rank's output open, so the rank completes well before its grace period only if it was killed.
        var exit = await started.Process.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(0, exit.ExitCode);
        Assert.False(exit.Killed);
        var daemon = int.Parse(_sink.Text(LogSource.Stdout), CultureInfo.InvariantCulture);
        await WaitGoneAsync(daemon);
    }

    [Fact]
    public async Task A_daemon_is_left_running_while_its_rank_runs_and_killed_when_the_rank_is_killed()
    {
        // A double fork: the inner shell exits at once, so its sleep is adopted by this process while the rank still runs.
        var started = await _runner.LaunchAsync(Shell("setsid sh -c 'sleep 100 & echo $!'; sleep 100"));
        Assert.True(started.Started, started.Failure);
        await _sink.WhenAsync(s => s.Text(LogSource.Stdout).EndsWith('\n')).WaitAsync(Patience, TestContext.Current.CancellationToken);
        var daemon = int.Parse(_sink.Text(LogSource.Stdout), CultureInfo.InvariantCulture);
        await WaitUntilAsync(() => ParentOf(daemon) == Environment.ProcessId, $"{daemon} to be adopted by this process");

        var killedWhileRunning = _runner.Adopted!.Sweep();

        Assert.Equal(0, killedWhileRunning);
        Assert.True(IsAlive(daemon), $"{daemon} belongs to a rank that still runs");

        var exit = await started.Process.KillAsync().WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.True(exit.Killed);
        await WaitGoneAsync(daemon);
    }

    [Fact]
    public async Task A_daemon_of_another_launch_that_still_runs_is_not_killed_by_the_end_of_this_one()
    {
        var keeper = await _runner.LaunchAsync(Shell("setsid sh -c 'sleep 100 & echo $!'; sleep 100") with { JobId = "job-keeper" });
        Assert.True(keeper.Started, keeper.Failure);
        await _sink.WhenAsync(s => s.Text(LogSource.Stdout).EndsWith('\n')).WaitAsync(Patience, TestContext.Current.CancellationToken);
        var kept = int.Parse(_sink.Text(LogSource.Stdout), CultureInfo.InvariantCulture);
        await WaitUntilAsync(() => ParentOf(kept) == Environment.ProcessId, $"{kept} to be adopted by this process");

        var ended = await _runner.LaunchAsync(Shell("setsid sleep 100 & p=$!; while [ \"$(cut -d' ' -f6 /proc/$p/stat)\" = \"$$\" ]; do sleep 0.01; done"));
        Assert.True(ended.Started, ended.Failure);
        await ended.Process.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(0, _runner.Adopted!.Sweep());
        Assert.True(IsAlive(kept), $"{kept} belongs to job-keeper, which still runs");
    }

    /// <summary>Dead and reaped: no process table entry is left (a zombie would keep one).</summary>
    private static Task WaitGoneAsync(int pid) => WaitUntilAsync(() => !File.Exists($"/proc/{pid}/stat"), $"{pid} to be killed and reaped");

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AdoptingCollection
{
    public const string Name = "Adopting runner";
}
