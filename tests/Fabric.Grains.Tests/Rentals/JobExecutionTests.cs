using Fabric.Clusters;
using Fabric.Jobs;
using Fabric.Money;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Orleans.Core.Internal;

namespace Fabric.Tests.Rentals;

[Collection(ClusterCollection.Name)]
public sealed class JobExecutionTests(ClusterFixture fixture)
{
    private readonly RentalTestKit _kit = new(fixture);

    private IWorkerInboxGrain Inbox(string id) => fixture.Grains.GetGrain<IWorkerInboxGrain>(id);

    [Fact]
    public async Task A_job_runs_each_rank_on_its_device_and_succeeds_when_every_rank_exits_0()
    {
        var (renter, clusterId, inbox, epoch) = await RunningClusterAsync(gpus: 2);
        var jobId = RentalTestKit.NewId("j");

        var submitted = await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "sh", "-c", "echo hi"));
        var orders = await ReceiveAsync(inbox, epoch, count: 2);

        Assert.Equal(JobStatus.Starting, submitted.Status);
        Assert.All(orders, o => Assert.Equal(WorkKind.Start, o.Kind));
        Assert.Equal([0, 1], orders.Select(o => o.Rank).Order());
        Assert.All(orders, o => Assert.Equal((2, 1, "10.0.0.7"), (o.WorldSize, o.Attempt, o.MasterAddr)));
        Assert.All(orders, o => Assert.Equal(["sh", "-c", "echo hi"], o.Command));

        foreach (var order in orders)
        {
            await _kit.Job(jobId).ReportAsync(order.ReportToken, Report(order, RankEvent.Started, pid: 100 + order.Rank));
        }

        Assert.Equal(JobStatus.Running, (await _kit.Job(jobId).GetAsync())!.Status);
        await _kit.Job(jobId).AppendLogsAsync(orders[0].ReportToken, orders[0].Rank,
            [new LogChunk { Sequence = 0, Rank = orders[0].Rank, Stream = OutputSource.Stdout, Text = "hi\n", At = ClusterFixture.Clock.GetUtcNow() }], resent: false, flush: false);
        foreach (var order in orders)
        {
            await _kit.Job(jobId).ReportAsync(order.ReportToken, Report(order, RankEvent.Exited, exitCode: 0));
        }

        var done = await _kit.Job(jobId).GetAsync();
        Assert.Equal(JobStatus.Succeeded, done!.Status);
        Assert.Equal(0, done.ExitCode);
        var logs = await _kit.Job(jobId).ReadLogsAsync(0, 100, TimeSpan.Zero);
        Assert.Contains(logs.Chunks, c => c.Text == "hi\n" && c.Stream == OutputSource.Stdout);
        Assert.True(logs.Complete);
        // A worker that re-attaches later is not handed the finished job to run again.
        foreach (var device in _devices)
        {
            Assert.Empty(await device.Grain.AttachWorkerAsync(device.Session, RentalTestKit.NewId("inbox"), "10.0.0.8"));
        }
    }

    [Fact]
    public async Task A_device_activated_again_hands_a_reattaching_worker_its_running_order_and_not_a_finished_one()
    {
        var (renter, clusterId, inbox, epoch) = await RunningClusterAsync(gpus: 1);
        var running = RentalTestKit.NewId("j");
        var finished = RentalTestKit.NewId("j");
        await _kit.Job(running).SubmitAsync(RentalTestKit.Submit(renter, running, clusterId, "sleep", "60"));
        await _kit.Job(finished).SubmitAsync(RentalTestKit.Submit(renter, finished, clusterId, "true"));
        var orders = await ReceiveAsync(inbox, epoch, count: 2);
        var sent = orders.Single(o => o.JobId == running);
        var done = orders.Single(o => o.JobId == finished);
        await _kit.Job(sent.JobId).ReportAsync(sent.ReportToken, Report(sent, RankEvent.Started, pid: 11));
        await _kit.Job(done.JobId).ReportAsync(done.ReportToken, Report(done, RankEvent.Exited, exitCode: 0));
        await _kit.WaitForJobAsync(finished, j => j.Status == JobStatus.Succeeded, "Succeeded");

        // The device keeps only which ranks it runs: after a collection (or a silo failover) it asks the jobs.
        var device = _devices[0];
        await device.Grain.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var resent = await device.Grain.AttachWorkerAsync(device.Session, RentalTestKit.NewId("inbox"), "10.0.0.7");

        var order = Assert.Single(resent);
        Assert.Equal(sent, order with { Command = sent.Command });
        Assert.Equal(["sleep", "60"], order.Command);
    }

    [Fact]
    public async Task A_job_takes_a_rank_s_output_only_without_gaps_says_how_far_it_holds_and_stores_it_and_records_output_lost_for_good()
    {
        var (job, order) = await OneRankJobAsync();

        var first = await job.AppendLogsAsync(order.ReportToken, order.Rank, [StdoutChunk(order, 0, "a\n")], resent: false, flush: false);
        // Chunk 1 is missing (as after a silo that died holding it): 2 is not taken, and the reply says where to resend from.
        var gap = await job.AppendLogsAsync(order.ReportToken, order.Rank, [StdoutChunk(order, 2, "c\n")], resent: false, flush: false);

        Assert.Equal(0, first.Seen);
        Assert.Equal(0, gap.Seen);
        Assert.Equal("a\n", await RankOutputAsync(job));

        var filled = await job.AppendLogsAsync(order.ReportToken, order.Rank, [StdoutChunk(order, 1, "b\n"), StdoutChunk(order, 2, "c\n")], resent: true, flush: false);
        var repeated = await job.AppendLogsAsync(order.ReportToken, order.Rank, [StdoutChunk(order, 0, "a\n"), StdoutChunk(order, 1, "b\n")], resent: true, flush: false);

        Assert.Equal(2, filled.Seen);
        Assert.Equal(2, repeated.Seen);
        Assert.Equal("a\nb\nc\n", await RankOutputAsync(job));

        // All the worker still has starts at 5: chunks 3 and 4 are gone for good, and the log says so.
        var stored = await job.AppendLogsAsync(order.ReportToken, order.Rank, [StdoutChunk(order, 5, "f\n")], resent: true, flush: true);

        Assert.Equal((5, 5), (stored.Seen, stored.Durable));
        Assert.Equal($"a\nb\nc\n[fabric] attempt 1: 2 chunk(s) of rank {order.Rank}'s output were lost\nf\n", await RankOutputAsync(job));

        // A new activation holds what was stored.
        await job.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        var again = await job.AppendLogsAsync(order.ReportToken, order.Rank, [], resent: false, flush: false);

        Assert.Equal((5, 5), (again.Seen, again.Durable));
        Assert.EndsWith("lost\nf\n", await RankOutputAsync(job), StringComparison.Ordinal);
        await Assert.ThrowsAsync<FabricRejectedException>(() => job.AppendLogsAsync(Guid.NewGuid(), order.Rank, [StdoutChunk(order, 6, "g\n")], resent: false, flush: false));
    }

    [Fact]
    public async Task An_older_worker_s_output_is_still_taken_and_a_gap_in_it_is_told()
    {
        var (job, order) = await OneRankJobAsync();

        // Workers from before acknowledgements call the old method, and never send anything twice.
        await job.AppendLogsAsync(order.ReportToken, order.Rank, [StdoutChunk(order, 0, "a\n")]);
        await job.AppendLogsAsync(order.ReportToken, order.Rank, [StdoutChunk(order, 2, "c\n")]);

        var text = await RankOutputAsync(job);
        Assert.Equal($"a\n[fabric] attempt 1: 1 chunk(s) of rank {order.Rank}'s output were lost\nc\n", text);
    }

    [Fact]
    public async Task A_report_with_a_wrong_token_is_refused_and_changes_nothing()
    {
        var (renter, clusterId, inbox, epoch) = await RunningClusterAsync(gpus: 1);
        var jobId = RentalTestKit.NewId("j");
        await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "true"));
        var order = (await ReceiveAsync(inbox, epoch, count: 1)).Single();

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.Job(jobId).ReportAsync(Guid.NewGuid(), Report(order, RankEvent.Exited, exitCode: 0)));

        Assert.Contains("token", error.Message, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Starting, (await _kit.Job(jobId).GetAsync())!.Status);
    }

    [Fact]
    public async Task A_failing_rank_fails_the_job_and_stops_the_others()
    {
        var (renter, clusterId, inbox, epoch) = await RunningClusterAsync(gpus: 2);
        var jobId = RentalTestKit.NewId("j");
        await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "false"));
        var orders = await ReceiveAsync(inbox, epoch, count: 2);
        var cursor = await CursorAsync(inbox, epoch);
        foreach (var order in orders)
        {
            await _kit.Job(jobId).ReportAsync(order.ReportToken, Report(order, RankEvent.Started, pid: 1));
        }

        var failing = orders.Single(o => o.Rank == 1);
        await _kit.Job(jobId).ReportAsync(failing.ReportToken, Report(failing, RankEvent.Exited, exitCode: 3));

        var job = await _kit.Job(jobId).GetAsync();
        Assert.Equal(JobStatus.Failed, job!.Status);
        Assert.Equal(3, job.ExitCode);
        Assert.Contains("rank 1 exited with code 3", job.Reason, StringComparison.Ordinal);
        var stops = await ReceiveAsync(inbox, epoch, count: 1, cursor);
        Assert.Equal((WorkKind.Stop, 0), (stops[0].Kind, stops[0].Rank));
    }

    [Fact]
    public async Task Ranks_killed_after_a_rank_was_lost_do_not_fail_the_job_which_waits_to_restart()
    {
        var (renter, clusterId, inbox, epoch) = await RunningClusterAsync(gpus: 2);
        var jobId = RentalTestKit.NewId("j");
        await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "sleep", "60"));
        var orders = await ReceiveAsync(inbox, epoch, count: 2);
        foreach (var order in orders)
        {
            await _kit.Job(jobId).ReportAsync(order.ReportToken, Report(order, RankEvent.Started, pid: 1));
        }

        var cursor = await CursorAsync(inbox, epoch);
        var leaving = _devices.Single(d => d.Id == orders.Single(o => o.Rank == 0).DeviceId);
        await leaving.Grain.SignOffAsync(leaving.Session);
        // The lost device drops its order and the job stops the other rank (one inbox serves both devices here).
        var stops = await ReceiveAsync(inbox, epoch, count: 2, cursor);
        Assert.Equal([(WorkKind.Stop, 0), (WorkKind.Stop, 1)], stops.Select(o => (o.Kind, o.Rank)).Order());

        // The other rank dies of the stop it was sent, and the lost rank's worker reports the rank it killed on its way out.
        foreach (var order in orders.OrderByDescending(o => o.Rank))
        {
            await _kit.Job(jobId).ReportAsync(order.ReportToken, Report(order, RankEvent.Exited, exitCode: 137));
        }

        var job = (await _kit.Job(jobId).GetAsync())!;
        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.StartsWith("rank 0 lost", job.Reason, StringComparison.Ordinal);
        Assert.Null(job.ExitCode);
        // Both exits are in the attempt's history.
        Assert.All(Assert.Single(job.Attempts).Ranks, r => Assert.Equal(137, r.ExitCode));
        await _kit.Cluster(clusterId).ChangeAsync(RentalTestKit.Change(renter, RentalOperations.Release, clusterId));
    }

    [Fact]
    public async Task Only_the_renter_may_cancel_and_cancelling_stops_every_rank()
    {
        var (renter, clusterId, inbox, epoch) = await RunningClusterAsync(gpus: 2);
        var jobId = RentalTestKit.NewId("j");
        await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "sleep", "100"));
        await ReceiveAsync(inbox, epoch, count: 2);
        var cursor = await CursorAsync(inbox, epoch);

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Job(jobId).CancelAsync(RentalTestKit.Cancel(Keypair.Generate(), jobId)));
        Assert.Contains("only", error.Message, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Starting, (await _kit.Job(jobId).GetAsync())!.Status);

        var cancelled = await _kit.Job(jobId).CancelAsync(RentalTestKit.Cancel(renter, jobId));

        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        var stops = await ReceiveAsync(inbox, epoch, count: 2, cursor);
        Assert.All(stops, s => Assert.Equal(WorkKind.Stop, s.Kind));
    }

    [Fact]
    public async Task A_job_on_another_renters_cluster_is_refused()
    {
        var (_, clusterId, _, _) = await RunningClusterAsync(gpus: 1);
        var mallory = await _kit.Ledger.FundedAsync(iosd: 1_000_000);
        var jobId = RentalTestKit.NewId("j");

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(mallory, jobId, clusterId, "true")));

        Assert.Contains("Only the renter", error.Message, StringComparison.Ordinal);
        Assert.Null(await _kit.Job(jobId).GetAsync());
    }

    [Fact]
    public async Task An_implicit_cluster_ends_with_its_job_and_charges_only_the_time_used()
    {
        var model = RentalTestKit.UniqueModel();
        var devices = await _kit.OnlineAsync(model, 1, price: 360_000);
        var inbox = RentalTestKit.NewId("inbox");
        await devices[0].Grain.AttachWorkerAsync(devices[0].Session, inbox, "10.0.0.7");
        var epoch = (await Inbox(inbox).PollAsync(Guid.Empty, 0, TimeSpan.Zero)).Epoch;
        var renter = await _kit.Ledger.FundedAsync(iosd: 10_000_000);
        var jobId = RentalTestKit.NewId("j");
        var clusterId = Client.FabricClient.ImplicitClusterId(jobId);
        await _kit.Cluster(clusterId).DeployAsync(RentalTestKit.Deploy(renter, clusterId, 1, model, hours: 2, maxPrice: 400_000, forJob: jobId));
        await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "true"));
        var order = (await ReceiveAsync(inbox, epoch, count: 1)).Single();
        await _kit.Job(jobId).ReportAsync(order.ReportToken, Report(order, RankEvent.Started, pid: 7));

        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(10));
        await _kit.Job(jobId).ReportAsync(order.ReportToken, Report(order, RankEvent.Exited, exitCode: 0));

        var cluster = await _kit.WaitForAsync(clusterId, c => c.Status == ClusterStatus.Released, "Released");
        Assert.Equal(60_000, cluster.Paid); // 10 minutes at 0.36 IOSD/h
        Assert.Equal((10_000_000 - 60_000 - 1_200, 0), await _kit.Ledger.BalanceAsync(renter, Token.IOSD));
    }

    [Fact]
    public async Task A_job_submitted_while_its_cluster_waits_starts_as_soon_as_the_cluster_is_placed()
    {
        // The only GPU is rented to another cluster: the job's cluster waits for it.
        var (renter, blocker, inbox, epoch) = await RunningClusterAsync(gpus: 1);
        var blocked = await _kit.Cluster(blocker).GetAsync();
        var clusterId = RentalTestKit.NewId("c");
        var jobId = RentalTestKit.NewId("j");
        var queued = await _kit.Cluster(clusterId).DeployAsync(
            RentalTestKit.Deploy(renter, clusterId, gpus: 1, blocked!.Members[0].Model, hours: 1, maxPrice: 500_000));
        var submitted = await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "true"));
        Assert.Equal(ClusterStatus.Queued, queued.Status);
        Assert.Equal(JobStatus.Queued, submitted.Status);
        var cursor = await CursorAsync(inbox, epoch);

        await _kit.Cluster(blocker).ChangeAsync(RentalTestKit.Change(renter, RentalOperations.Release, blocker));

        // Placement tells the job, which starts on the cluster it was told of (a call back into the placing cluster
        // would wait for it: a deadlock until the response timeout, and the job would stay Queued).
        var started = await _kit.WaitForJobAsync(jobId, j => j.Status == JobStatus.Starting, "Starting");
        var order = Assert.Single(await ReceiveAsync(inbox, epoch, count: 1, cursor));
        Assert.Equal((WorkKind.Start, jobId, clusterId, 1), (order.Kind, order.JobId, order.ClusterId, order.Attempt));
        Assert.Equal(blocked.Members[0].DeviceId, Assert.Single(started.Attempts[0].Ranks).DeviceId);
    }

    private List<OnlineDevice> _devices = [];

    private async Task<(Keypair Renter, string ClusterId, string Inbox, Guid Epoch)> RunningClusterAsync(int gpus)
    {
        var model = RentalTestKit.UniqueModel();
        var devices = await _kit.OnlineAsync(model, gpus);
        _devices = devices;
        var inbox = RentalTestKit.NewId("inbox");
        foreach (var device in devices)
        {
            await device.Grain.AttachWorkerAsync(device.Session, inbox, "10.0.0.7");
        }

        var epoch = (await Inbox(inbox).PollAsync(Guid.Empty, 0, TimeSpan.Zero)).Epoch;
        var renter = await _kit.Ledger.FundedAsync(iosd: 100_000_000);
        var clusterId = RentalTestKit.NewId("c");
        await _kit.Cluster(clusterId).DeployAsync(RentalTestKit.Deploy(renter, clusterId, gpus, model, hours: 1, maxPrice: 500_000));
        await _kit.WaitForAsync(clusterId, c => c.Status == ClusterStatus.Running, "Running");
        return (renter, clusterId, inbox, epoch);
    }

    /// <summary>The inbox's newest sequence: orders after it are the ones still to come.</summary>
    /// <summary>A running one-rank job (its command sleeps) and its start order.</summary>
    private async Task<(IJobGrain Job, WorkOrder Order)> OneRankJobAsync()
    {
        var (renter, clusterId, inbox, epoch) = await RunningClusterAsync(gpus: 1);
        var jobId = RentalTestKit.NewId("j");
        await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "sleep", "60"));
        return (_kit.Job(jobId), (await ReceiveAsync(inbox, epoch, count: 1)).Single());
    }

    private static LogChunk StdoutChunk(WorkOrder order, long sequence, string text) =>
        new() { Sequence = sequence, Rank = order.Rank, Stream = OutputSource.Stdout, Text = text, At = ClusterFixture.Clock.GetUtcNow() };

    /// <summary>The rank's output, and what Fabric says of it (not the attempt's start lines).</summary>
    private static async Task<string> RankOutputAsync(IJobGrain job) => string.Concat((await job.ReadLogsAsync(0, 100, TimeSpan.Zero)).Chunks
        .Where(c => c.Stream == OutputSource.Stdout || c.Text.Contains("output were lost", StringComparison.Ordinal)).Select(c => c.Text));

    private async Task<long> CursorAsync(string inbox, Guid epoch) => (await Inbox(inbox).PollAsync(epoch, 0, TimeSpan.Zero)).Cursor;

    private async Task<List<WorkOrder>> ReceiveAsync(string inbox, Guid epoch, int count, long cursor = 0)
    {
        var orders = new List<WorkOrder>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (orders.Count < count)
        {
            var batch = await Inbox(inbox).PollAsync(epoch, cursor, TimeSpan.FromSeconds(2));
            Assert.Equal(epoch, batch.Epoch);
            orders.AddRange(batch.Orders);
            cursor = batch.Cursor;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"only {orders.Count} of {count} orders arrived");
        }

        return orders;
    }

    private static RankReport Report(WorkOrder order, RankEvent kind, int? pid = null, int? exitCode = null) => new()
    {
        JobId = order.JobId, Rank = order.Rank, Attempt = order.Attempt, Event = kind, Pid = pid, ExitCode = exitCode,
    };
}
