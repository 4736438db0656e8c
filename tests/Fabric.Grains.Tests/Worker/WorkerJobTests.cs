using System.Text;
using Fabric.Clusters;
using Fabric.Jobs;
using Fabric.Money;
using Fabric.Tests.Rentals;
using Fabric.Worker.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fabric.Tests.Worker;

/// <summary>Jobs run for real: a work agent polls the cluster's inbox and starts child processes on this machine.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WorkerJobTests(ClusterFixture fixture) : IAsyncDisposable
{
    private readonly RentalTestKit _kit = new(fixture);
    private readonly string _workRoot = Path.Combine(Path.GetTempPath(), $"fabric-work-{Guid.NewGuid():N}");
    private readonly CancellationTokenSource _stop = new();
    private WorkAgent? _agent;
    private Task? _running;

    [Fact]
    public async Task A_command_runs_on_every_rank_with_its_environment_and_its_output_and_exit_code_come_back()
    {
        var (renter, clusterId) = await ClusterWithWorkerAsync(gpus: 2);
        var jobId = RentalTestKit.NewId("j");

        await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId,
            "sh", "-c", "echo rank=$FABRIC_RANK of $FABRIC_WORLD_SIZE job=$FABRIC_JOB_ID restart=$FABRIC_RESTART_COUNT; echo oops >&2; exit 0"));
        var job = await _kit.WaitForJobAsync(jobId, j => j.Status is JobStatus.Succeeded or JobStatus.Failed, "an end");

        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.All(job.Attempts.Single().Ranks, r => Assert.Equal(0, r.ExitCode));
        Assert.All(job.Attempts.Single().Ranks, r => Assert.NotNull(r.Pid));
        var output = await ReadAllAsync(jobId);
        Assert.Contains($"rank=0 of 2 job={jobId} restart=0", output[OutputSource.Stdout], StringComparison.Ordinal);
        Assert.Contains($"rank=1 of 2 job={jobId} restart=0", output[OutputSource.Stdout], StringComparison.Ordinal);
        Assert.Contains("oops", output[OutputSource.Stderr], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_command_fails_the_job_with_its_exit_code()
    {
        var (renter, clusterId) = await ClusterWithWorkerAsync(gpus: 1);
        var jobId = RentalTestKit.NewId("j");

        await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "sh", "-c", "exit 3"));
        var job = await _kit.WaitForJobAsync(jobId, j => j.Status is JobStatus.Succeeded or JobStatus.Failed, "an end");

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(3, job.ExitCode);
    }

    [Fact]
    public async Task A_program_that_does_not_exist_fails_the_job_with_the_reason()
    {
        var (renter, clusterId) = await ClusterWithWorkerAsync(gpus: 1);
        var jobId = RentalTestKit.NewId("j");

        await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "/no/such/program"));
        var job = await _kit.WaitForJobAsync(jobId, j => j.Status is JobStatus.Failed, "Failed");

        Assert.Contains("could not start", job.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_kills_the_whole_process_tree()
    {
        var (renter, clusterId) = await ClusterWithWorkerAsync(gpus: 1);
        var jobId = RentalTestKit.NewId("j");
        await _kit.Job(jobId).SubmitAsync(RentalTestKit.Submit(renter, jobId, clusterId, "sh", "-c", "sleep 300 & echo child=$!; wait"));
        await _kit.WaitForJobAsync(jobId, j => j.Status == JobStatus.Running, "Running");
        var child = await ChildPidAsync(jobId);
        Assert.True(Directory.Exists($"/proc/{child}"));

        await _kit.Job(jobId).CancelAsync(RentalTestKit.Cancel(renter, jobId));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (IsAlive(child) || _agent!.Running.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"process {child} still runs after cancel");
            await Task.Delay(20);
        }

        Assert.Equal(JobStatus.Cancelled, (await _kit.Job(jobId).GetAsync())!.Status);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null)
        {
            await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_agent is not null)
        {
            await _agent.DisposeAsync();
        }

        _stop.Dispose();
        if (Directory.Exists(_workRoot))
        {
            Directory.Delete(_workRoot, recursive: true);
        }
    }

    private async Task<(Wallet.Keypair Renter, string ClusterId)> ClusterWithWorkerAsync(int gpus)
    {
        var model = RentalTestKit.UniqueModel();
        var devices = await _kit.OnlineAsync(model, gpus);
        _agent = new WorkAgent(new ClusterWorkApi(fixture.Grains),
            [.. devices.Select((d, i) => new ServedDevice(d.Id, i, () => d.Session))],
            new JobRunnerOptions { WorkRoot = _workRoot, FlushInterval = TimeSpan.FromMilliseconds(20) },
            TimeProvider.System, NullLogger.Instance, address: "127.0.0.1");
        await _agent.AttachAllAsync(force: true, _stop.Token);
        _running = _agent.RunAsync(_stop.Token);
        var renter = await _kit.Ledger.FundedAsync(iosd: 100_000_000);
        var clusterId = RentalTestKit.NewId("c");
        await _kit.Cluster(clusterId).DeployAsync(RentalTestKit.Deploy(renter, clusterId, gpus, model, hours: 1, maxPrice: 500_000));
        await _kit.WaitForAsync(clusterId, c => c.Status == ClusterStatus.Running, "Running");
        return (renter, clusterId);
    }

    private async Task<Dictionary<OutputSource, string>> ReadAllAsync(string jobId)
    {
        var text = new Dictionary<OutputSource, StringBuilder> { [OutputSource.Stdout] = new(), [OutputSource.Stderr] = new(), [OutputSource.Fabric] = new() };
        long cursor = 0;
        while (true)
        {
            var page = await _kit.Job(jobId).ReadLogsAsync(cursor, 1000, TimeSpan.FromSeconds(2));
            foreach (var chunk in page.Chunks)
            {
                text[chunk.Stream].Append(chunk.Text);
            }

            cursor = page.Next;
            if (page.Complete)
            {
                return text.ToDictionary(t => t.Key, t => t.Value.ToString());
            }
        }
    }

    private async Task<int> ChildPidAsync(string jobId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var page = await _kit.Job(jobId).ReadLogsAsync(0, 1000, TimeSpan.FromSeconds(1));
            var line = page.Chunks.Select(c => c.Text).FirstOrDefault(t => t.StartsWith("child=", StringComparison.Ordinal));
            if (line is not null)
            {
                return int.Parse(line["child=".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }

            Assert.True(DateTime.UtcNow < deadline, "the job never printed its child's pid");
        }
    }

    private static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        // A zombie (state Z) is dead: only its parent has not collected it yet.
        return File.Exists(stat) && File.ReadAllText(stat).Split(' ')[2] != "Z";
    }
}
