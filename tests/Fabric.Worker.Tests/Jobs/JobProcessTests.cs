using System.Globalization;
using System.Runtime.Versioning;
using Fabric.Worker.Jobs;
using static Fabric.Worker.Tests.Jobs.JobTesting;

namespace Fabric.Worker.Tests.Jobs;

/// <summary>Runs real processes (sh, sleep, yes, /proc): Linux only.</summary>
[SupportedOSPlatform("linux")]
public sealed class JobProcessTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fabric-jobs-");
    private readonly RecordingSink _sink = new();

    public void Dispose() => _root.Delete(recursive: true);

    private async Task<JobProcess> StartAsync(JobLaunch launch, JobRunnerOptions? options = null)
    {
        var result = await JobProcess.StartAsync(launch, options ?? Options(_root), _sink, TimeProvider.System);
        Assert.True(result.Started, result.Failure);
        return result.Process;
    }

    private async Task<JobExit> RunAsync(JobLaunch launch, JobRunnerOptions? options = null)
    {
        await using var process = await StartAsync(launch, options);
        return await process.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Echo_output_arrives_in_order_with_exit_code_0()
    {
        var exit = await RunAsync(Launch("echo", "hello", "world"));

        Assert.Equal(0, exit.ExitCode);
        Assert.False(exit.Killed);
        Assert.Equal("hello world\n", _sink.Text(LogSource.Stdout));
        Assert.Equal(12, exit.OutputBytes);
    }

    [Fact]
    public async Task Many_lines_arrive_in_order_in_contiguous_sequence()
    {
        var exit = await RunAsync(Shell("i=1; while [ $i -le 20000 ]; do echo line $i; i=$((i+1)); done"));

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(0, exit.DroppedBytes);
        Assert.Equal(string.Concat(Enumerable.Range(1, 20000).Select(i => $"line {i}\n")), _sink.Text(LogSource.Stdout));
        Assert.Equal(Enumerable.Range(0, _sink.Chunks.Count).Select(i => (long)i), _sink.Chunks.Select(c => c.Sequence));
        Assert.All(_sink.Chunks, c => Assert.InRange(c.Text.Length, 1, 16 * 1024));
    }

    [Fact]
    public async Task Exit_code_is_the_processs_own()
    {
        var exit = await RunAsync(Shell("exit 3"));

        Assert.Equal(3, exit.ExitCode);
        Assert.False(exit.Killed);
    }

    [Fact]
    public async Task The_child_sees_its_launch_in_its_environment_and_works_in_the_jobs_folder()
    {
        var launch = Shell(
            "echo \"$CUDA_VISIBLE_DEVICES|$FABRIC_JOB_ID|$FABRIC_CLUSTER_ID|$FABRIC_RANK|$FABRIC_WORLD_SIZE|" +
            "$FABRIC_MASTER_ADDR|$FABRIC_MASTER_PORT|$FABRIC_RESTART_COUNT|$EXTRA\"; pwd") with
        {
            JobId = "job-env",
            ClusterId = "cluster-9",
            Rank = 2,
            WorldSize = 4,
            MasterAddr = "10.0.0.7",
            MasterPort = 29501,
            RestartCount = 1,
            GpuIndices = [0, 3],
            // Fabric's own values win over the launch's.
            EnvironmentVariables = new Dictionary<string, string> { ["EXTRA"] = "extra value", ["FABRIC_RANK"] = "99" },
        };

        var exit = await RunAsync(launch);

        Assert.Equal(0, exit.ExitCode);
        var folder = Path.Combine(_root.FullName, "job-env");
        Assert.Equal($"0,3|job-env|cluster-9|2|4|10.0.0.7|29501|1|extra value\n{folder}\n", _sink.Text(LogSource.Stdout));
        Assert.True(Directory.Exists(folder));
    }

    [Fact]
    public async Task No_gpu_means_an_empty_visible_device_list()
    {
        await RunAsync(Shell("echo \"${CUDA_VISIBLE_DEVICES-unset}.\""));

        Assert.Equal(".\n", _sink.Text(LogSource.Stdout));
    }

    [Fact]
    public async Task Stderr_is_kept_apart_from_stdout()
    {
        await RunAsync(Shell("echo out; echo err >&2; echo out2; echo err2 >&2"));

        Assert.Equal("out\nout2\n", _sink.Text(LogSource.Stdout));
        Assert.Equal("err\nerr2\n", _sink.Text(LogSource.Stderr));
    }

    [Fact]
    public async Task Arguments_are_passed_as_given_without_a_shell()
    {
        await RunAsync(Launch("echo", "$HOME", "a  b", "*"));

        Assert.Equal("$HOME a  b *\n", _sink.Text(LogSource.Stdout));
    }

    [Fact]
    public async Task A_program_that_does_not_exist_fails_to_start_with_the_system_message()
    {
        var result = await JobProcess.StartAsync(Launch("/nonexistent/fabric-no-such-program"), Options(_root), _sink, TimeProvider.System);

        Assert.False(result.Started);
        Assert.Null(result.Process);
        Assert.StartsWith("Cannot start '/nonexistent/fabric-no-such-program': ", result.Failure, StringComparison.Ordinal);
        Assert.Contains("No such file or directory", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_id_that_is_not_a_folder_name_fails_to_start()
    {
        var result = await JobProcess.StartAsync(Launch("true") with { JobId = "../escape" }, Options(_root), _sink, TimeProvider.System);

        Assert.False(result.Started);
        Assert.StartsWith("Job id '../escape' is not valid", result.Failure, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root.Parent!.FullName, "escape")));
    }

    [Fact]
    public async Task A_rank_outside_the_world_fails_to_start()
    {
        var result = await JobProcess.StartAsync(Launch("true") with { Rank = 2, WorldSize = 2 }, Options(_root), _sink, TimeProvider.System);

        Assert.Equal("Rank 2 is not within a world of 2.", result.Failure);
    }

    [Fact]
    public async Task Start_reports_the_process_id_and_start_time()
    {
        var before = DateTimeOffset.UtcNow;
        await using var process = await StartAsync(Launch("sleep", "100"));

        Assert.True(IsAlive(process.ProcessId));
        Assert.InRange(process.StartedAt, before, DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Output_is_handed_on_within_the_flush_interval_while_the_process_runs()
    {
        await using var process = await StartAsync(Shell("echo first; exec sleep 100"));

        await _sink.WhenAsync(s => s.Text(LogSource.Stdout) == "first\n").WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.False(process.Completion.IsCompleted);
    }

    [Fact]
    public async Task Cancel_kills_the_whole_process_tree()
    {
        // A child that is itself a shell with a child, and one more child: three processes under the job's shell.
        await using var process = await StartAsync(Shell("(sleep 100 & echo $!; wait) & echo $!; sleep 100 & echo $!; wait"));
        await _sink.WhenAsync(s => Lines(s).Length == 3).WaitAsync(Patience, TestContext.Current.CancellationToken);
        var descendants = Lines(_sink).Select(int.Parse).ToList();
        Assert.All(descendants, pid => Assert.True(IsAlive(pid), $"{pid} runs before the kill"));

        var exit = await process.KillAsync().WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.True(exit.Killed);
        Assert.Equal(137, exit.ExitCode);
        Assert.False(IsAlive(process.ProcessId));
        Assert.All(descendants, pid => Assert.False(IsAlive(pid), $"{pid} is gone after the kill"));

        static string[] Lines(RecordingSink sink) => sink.Text(LogSource.Stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Disposing_kills_the_process()
    {
        var process = await StartAsync(Launch("sleep", "100"));

        await process.DisposeAsync().AsTask().WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.True(process.Completion.IsCompletedSuccessfully);
        Assert.True((await process.Completion).Killed);
        Assert.False(IsAlive(process.ProcessId));
    }

    [Fact]
    public async Task Kill_after_exit_changes_nothing()
    {
        await using var process = await StartAsync(Shell("exit 5"));
        await process.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken);

        var exit = await process.KillAsync();

        Assert.Equal(5, exit.ExitCode);
        Assert.False(exit.Killed);
    }

    [Fact]
    public async Task Output_of_both_streams_left_unsent_at_exit_reaches_the_sink_in_the_order_it_was_written()
    {
        // Both lines wait in their streams' partial chunks (under the 200 ms flush interval) until the exit ends both
        // streams at once. Two pipes read by two tasks cannot order writes made microseconds apart: these are 100 ms apart.
        for (var run = 0; run < 10; run++)
        {
            var sink = new RecordingSink();
            var started = await JobProcess.StartAsync(Shell("echo out; sleep 0.1; echo err >&2"), Options(_root), sink, TimeProvider.System);
            Assert.True(started.Started, started.Failure);
            await using var process = started.Process;
            await process.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken);

            Assert.Equal(["out\n", "err\n"], sink.Chunks.Select(c => c.Text));
        }
    }

    [Fact]
    public async Task Flooding_output_into_a_stuck_sink_keeps_memory_bounded_and_counts_what_was_dropped()
    {
        const int Total = 50_000_000;
        var options = Options(_root) with { QueueChunks = 8 };
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _sink.Gate = release.Task;
        await using var process = await StartAsync(Shell($"yes 2>/dev/null | head -c {Total}"), options);

        // The sink takes nothing until the process has exited: a blocked reader would keep it from ever finishing.
        await process.Exited.WaitAsync(Patience, TestContext.Current.CancellationToken);
        release.SetResult();
        var exit = await process.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(0, exit.ExitCode);
        Assert.Equal(Total, exit.OutputBytes);
        var output = _sink.Chunks.Where(c => c.DroppedBytes == 0).ToList();
        var markers = _sink.Chunks.Where(c => c.DroppedBytes > 0).ToList();
        // Only what the queue could hold (plus what was still in the pipes at exit) was ever kept.
        Assert.InRange(output.Count, 1, options.QueueChunks + 10);
        Assert.All(output, c => Assert.InRange(c.Text.Length, 1, options.ChunkBytes));
        Assert.NotEmpty(markers);
        Assert.All(markers, m => Assert.Equal($"[fabric: {m.DroppedBytes} bytes of output dropped]\n", m.Text.TrimStart('\n')));
        Assert.Equal(exit.DroppedBytes, markers.Sum(m => m.DroppedBytes));
        Assert.Equal(Total, output.Sum(c => (long)c.Text.Length) + exit.DroppedBytes);
        Assert.Equal(Enumerable.Range(0, _sink.Chunks.Count).Select(i => (long)i), _sink.Chunks.Select(c => c.Sequence));
        Assert.EndsWith("y\n", output[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flooding_output_into_a_keeping_up_sink_hands_on_every_byte_or_counts_it()
    {
        const int Total = 20_000_000;

        var exit = await RunAsync(Shell($"yes 2>/dev/null | head -c {Total}"));

        Assert.Equal(Total, exit.OutputBytes);
        var output = _sink.Chunks.Where(c => c.DroppedBytes == 0).Sum(c => (long)c.Text.Length);
        Assert.Equal(Total, output + exit.DroppedBytes);
    }

    [Fact]
    public async Task A_process_left_running_in_the_background_is_killed_when_its_rank_ends()
    {
        await using var process = await StartAsync(Shell("sleep 100 & echo $!"));

        var exit = await process.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken);

        // It would go on holding the GPU after the rank ended; it dies with the rank, and does not count as a kill.
        Assert.Equal(0, exit.ExitCode);
        Assert.False(exit.Killed);
        var left = int.Parse(_sink.Text(LogSource.Stdout), CultureInfo.InvariantCulture);
        var deadline = DateTime.UtcNow + Patience;
        while (IsAlive(left) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.False(IsAlive(left), $"{left}, left running by the rank, is gone when the rank ends");
    }

    [Fact]
    public async Task Output_left_open_by_a_process_that_left_the_group_does_not_hold_completion_past_the_grace_period()
    {
        // A daemon that starts a session of its own escapes the group (on purpose); its open pipes must not hold the rank.
        var options = Options(_root) with { OutputGracePeriod = TimeSpan.FromMilliseconds(300) };
        // The rank waits until the daemon's session (field 6 of its stat) is no longer the rank's, so that it has left.
        await using var process = await StartAsync(
            Shell("setsid sleep 100 & p=$!; while [ \"$(cut -d' ' -f6 /proc/$p/stat)\" = \"$$\" ]; do sleep 0.01; done; echo $p"), options);

        var exit = await process.Completion.WaitAsync(Patience, TestContext.Current.CancellationToken);

        Assert.Equal(0, exit.ExitCode);
        var daemon = int.Parse(_sink.Text(LogSource.Stdout), CultureInfo.InvariantCulture);
        Assert.True(IsAlive(daemon));
        System.Diagnostics.Process.GetProcessById(daemon).Kill();
    }

    [Fact]
    public async Task A_program_that_may_not_be_run_fails_to_start()
    {
        var script = Path.Combine(_root.FullName, "not-executable.sh");
        await File.WriteAllTextAsync(script, "#!/bin/sh\necho never\n", TestContext.Current.CancellationToken);

        var result = await JobProcess.StartAsync(Launch(script), Options(_root), _sink, TimeProvider.System);

        Assert.False(result.Started);
        Assert.StartsWith($"Cannot start '{script}': ", result.Failure, StringComparison.Ordinal);
        Assert.Contains("ermission denied", result.Failure, StringComparison.Ordinal);
    }
}
