using System.Runtime.Versioning;
using Fabric.Worker.Jobs;
using static Fabric.Worker.Tests.Jobs.JobTesting;

namespace Fabric.Worker.Tests.Jobs;

/// <summary>Runs real processes (sh, sleep, echo): Linux only.</summary>
[SupportedOSPlatform("linux")]
public sealed class JobRunnerTests : IAsyncDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fabric-jobs-");
    private readonly RecordingSink _sink = new();
    private readonly JobRunner _runner;

    public JobRunnerTests()
    {
        _runner = new JobRunner(Options(_root), _sink, TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        await _runner.DisposeAsync();
        _root.Delete(recursive: true);
    }

    private async Task<JobProcess> LaunchAsync(JobLaunch launch)
    {
        var result = await _runner.LaunchAsync(launch);
        Assert.True(result.Started, result.Failure);
        return result.Process;
    }

    [Fact]
    public async Task A_duplicate_launch_returns_the_running_process()
    {
        var launch = Launch("sleep", "100");

        var first = await LaunchAsync(launch);
        var second = await LaunchAsync(launch with { });

        Assert.Same(first, second);
        Assert.Equal([first], _runner.Running());
    }

    [Fact]
    public async Task A_launch_of_the_same_attempt_with_another_command_is_refused()
    {
        var running = await LaunchAsync(Launch("sleep", "100"));

        var other = await _runner.LaunchAsync(Launch("sleep", "200"));

        Assert.Equal("Job job-1 rank 0 restart 0 is already here with another command or setting.", other.Failure);
        Assert.Equal([running], _runner.Running());
    }

    [Fact]
    public async Task Concurrent_duplicate_launches_start_one_process()
    {
        var launch = Launch("sleep", "100");

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _runner.LaunchAsync(launch))));

        Assert.All(results, r => Assert.Same(results[0].Process, r.Process));
        Assert.Single(_runner.Running());
    }

    [Fact]
    public async Task A_finished_launch_is_not_run_again()
    {
        var launch = Shell("echo once");
        var first = await LaunchAsync(launch);
        await first.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken);

        var again = await LaunchAsync(launch);

        Assert.Same(first, again);
        Assert.Equal("once\n", _sink.Text(LogSource.Stdout));
        Assert.Empty(_runner.Running());
    }

    [Fact]
    public async Task Ranks_of_one_job_run_side_by_side()
    {
        var rank0 = await LaunchAsync(Launch("sleep", "100") with { WorldSize = 2, Rank = 0 });
        var rank1 = await LaunchAsync(Launch("sleep", "100") with { WorldSize = 2, Rank = 1 });

        Assert.NotSame(rank0, rank1);
        Assert.Equal(2, _runner.Running().Count);
        Assert.Same(rank1, _runner.Find("job-1", 1));
    }

    [Fact]
    public async Task A_newer_restart_replaces_the_running_attempt()
    {
        var first = await LaunchAsync(Launch("sleep", "100"));

        var restarted = await LaunchAsync(Launch("sleep", "100") with { RestartCount = 1 });

        Assert.True(first.Completion.IsCompleted);
        Assert.True((await first.Completion).Killed);
        Assert.Equal([restarted], _runner.Running());
        Assert.Same(restarted, _runner.Find("job-1", 0));
    }

    [Fact]
    public async Task An_older_restart_is_refused_as_stale()
    {
        var current = await LaunchAsync(Launch("sleep", "100") with { RestartCount = 2 });

        var stale = await _runner.LaunchAsync(Launch("sleep", "100") with { RestartCount = 1 });

        Assert.False(stale.Started);
        Assert.Equal("Job job-1 rank 0: restart 2 is already here, so restart 1 is stale.", stale.Failure);
        Assert.Equal([current], _runner.Running());
    }

    [Fact]
    public async Task A_launch_that_failed_to_start_can_be_tried_again()
    {
        var missing = Launch(Path.Combine(_root.FullName, "program"));
        Assert.False((await _runner.LaunchAsync(missing)).Started);
        await File.WriteAllTextAsync(missing.Program, "#!/bin/sh\necho now here\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(missing.Program, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var process = await LaunchAsync(missing);

        var exit = await process.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken);
        Assert.Equal(0, exit.ExitCode);
        Assert.Equal("now here\n", _sink.Text(LogSource.Stdout));
    }

    [Fact]
    public async Task Disposing_the_runner_kills_every_process_and_refuses_new_launches()
    {
        var processes = new[]
        {
            await LaunchAsync(Launch("sleep", "100")),
            await LaunchAsync(Launch("sleep", "100") with { JobId = "job-2" }),
        };

        await _runner.DisposeAsync().AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.All(await Task.WhenAll(processes.Select(p => p.Completion)), exit => Assert.True(exit.Killed));
        Assert.All(processes, p => Assert.False(IsAlive(p.ProcessId)));
        Assert.Equal("This worker is shutting down.", (await _runner.LaunchAsync(Launch("true"))).Failure);
    }
}
