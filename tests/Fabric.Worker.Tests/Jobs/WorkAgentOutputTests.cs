using System.Runtime.Versioning;
using Fabric.Jobs;
using Fabric.Worker.Jobs;
using Microsoft.Extensions.Logging.Abstractions;
using static Fabric.Worker.Tests.Jobs.JobTesting;

namespace Fabric.Worker.Tests.Jobs;

/// <summary>A work agent running a real process, its job's log played by <see cref="FakeJobLog"/>: Linux only.</summary>
[SupportedOSPlatform("linux")]
public sealed class WorkAgentOutputTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("fabric-agent-");
    private readonly FakeJobLog _log = new();

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task A_quiet_rank_s_output_that_its_job_lost_unstored_is_sent_again_while_the_rank_runs_and_stored_when_it_exits()
    {
        var order = Order("sh", "-c", "echo hi; sleep 100");
        var api = new OneOrderApi(order, _log);
        await using var agent = new WorkAgent(api, [new ServedDevice(order.DeviceId, 0, () => api.Session)],
            Options(_root), TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = agent.RunAsync(stop.Token);
        await WaitUntilAsync(() => _log.Text == "hi\n", "the first line to reach the job");

        _log.Crash(); // its silo died before writing it

        // The rank prints nothing more for now: the poll loop sends the unstored line again.
        await WaitUntilAsync(() => _log.Text == "hi\n", "the lost line to be sent again");
        Assert.Equal(-1, _log.Stored);

        await agent.Running.Single().KillAsync();
        await WaitUntilAsync(() => api.Exited, "the exit to be reported");

        Assert.Equal("hi\n", _log.Text);
        Assert.Equal(0, _log.Stored); // stored before the exit was reported
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task A_stopping_worker_stores_what_its_killed_rank_printed_last_and_leaves_its_exit_to_the_device_s_sign_off()
    {
        var order = Order("sh", "-c", "echo last words; touch printed; exec sleep 100");
        var api = new OneOrderApi(order, _log);
        // Output waits for a full chunk or 60 s: what the rank printed is still on the worker when it stops.
        var agent = new WorkAgent(api, [new ServedDevice(order.DeviceId, 0, () => api.Session)],
            Options(_root) with { FlushInterval = TimeSpan.FromSeconds(60) }, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = agent.RunAsync(stop.Token);
        await WaitUntilAsync(() => agent.Running.Count == 1 && api.Started && File.Exists(Path.Combine(_root.FullName, order.JobId, "printed")),
            "the rank to start and print");
        var pid = agent.Running.Single().ProcessId;
        Assert.Equal("", _log.Text);

        // As the worker stops: polling first, then the agent.
        await stop.CancelAsync();
        await running;
        await agent.DisposeAsync();

        Assert.False(IsAlive(pid), "the rank is killed");
        Assert.Equal("last words\n", _log.Text);
        Assert.Equal(0, _log.Stored);
        // Its exit code is that of a kill: reported, it would fail a job whose device is about to say it left.
        Assert.False(api.Exited);
    }

    private static WorkOrder Order(params string[] command) => new()
    {
        Kind = WorkKind.Start,
        DeviceId = "gpu-1",
        JobId = "job-1",
        ClusterId = "cluster-1",
        Rank = 0,
        WorldSize = 1,
        Attempt = 1,
        Command = command,
        MasterAddr = "127.0.0.1",
        MasterPort = 29500,
        ReportToken = Guid.NewGuid(),
    };

    /// <summary>An inbox that hands out one order, answers polls with nothing, and takes reports and output.</summary>
    private sealed class OneOrderApi(WorkOrder order, FakeJobLog log) : IWorkApi
    {
        private readonly Guid _epoch = Guid.NewGuid();

        public Guid Session { get; } = Guid.NewGuid();

        public bool Exited { get; private set; }

        public bool Started { get; private set; }

        public Task<IReadOnlyList<WorkOrder>> AttachAsync(string deviceId, Guid session, string inbox, string address, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<WorkOrder>>(Exited ? [] : [order]);

        public async Task<WorkBatch> PollAsync(string inbox, Guid epoch, long cursor, TimeSpan wait, CancellationToken cancellationToken)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            return new WorkBatch { Epoch = _epoch, Cursor = 0, Orders = [] };
        }

        public Task ReportAsync(Guid token, RankReport report, CancellationToken cancellationToken)
        {
            Exited |= report.Event == RankEvent.Exited;
            Started |= report.Event == RankEvent.Started;
            return Task.CompletedTask;
        }

        public Task<LogAck> AppendLogsAsync(string jobId, Guid token, int rank, IReadOnlyList<Fabric.Jobs.LogChunk> chunks, bool resent, bool flush, CancellationToken cancellationToken) =>
            log.SendAsync(chunks, resent, flush, cancellationToken);
    }
}
