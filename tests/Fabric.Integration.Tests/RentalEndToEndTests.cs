using System.Text.Json;
using Fabric.Client;
using Fabric.Devices;
using Fabric.Integration.Infrastructure;
using Fabric.Jobs;
using Fabric.Wallet;

namespace Fabric.Integration;

/// <summary>
/// One silo on SQLite for the renting end-to-end tests, with liveness shortened (heartbeats every second, Offline
/// after 10 s of silence) so a killed worker's device is lost in seconds rather than the production minute.
/// </summary>
public sealed class RentalSiloFixture : IAsyncLifetime
{
    public string WorkDir { get; } = Paths.NewTempFolder("rental");

    public SiloProcess Silo { get; private set; } = null!;

    public RentalNetwork Network { get; private set; } = null!;

    public FabricClient Client { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var dataDir = Path.Combine(WorkDir, ".fabric");
        Silo = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(dataDir) with
        {
            Environment = new Dictionary<string, string>
            {
                ["FABRIC__POOL__HEARTBEATINTERVAL"] = "00:00:01",
                ["FABRIC__POOL__TOUCHEVERY"] = "00:00:01",
                ["FABRIC__POOL__UNHEALTHYAFTER"] = "00:00:05",
                ["FABRIC__POOL__OFFLINEAFTER"] = "00:00:10",
                ["FABRIC__POOL__SWEEPINTERVAL"] = "00:00:01",
            },
        });
        Network = new RentalNetwork(WorkDir, Path.Combine(dataDir, "keys", "authority.json"), [Silo.Settings.Gateway]);
        Client = new FabricClient(new FabricClientOptions { Gateways = [Silo.Settings.Gateway], ResponseTimeout = TimeSpan.FromSeconds(10) });
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Silo.DisposeAsync();
        Directory.Delete(WorkDir, recursive: true);
    }
}

/// <summary>
/// Renting end to end with real processes: a silo, fabric-worker processes serving simulated GPUs (their jobs run as
/// real child processes on this machine), and the fabric CLI driving every step, its JSON parsed. Waits poll the real
/// state (<see cref="Eventually"/>) through the client library.
/// </summary>
public sealed class RentalEndToEndTests(RentalSiloFixture fixture) : IClassFixture<RentalSiloFixture>
{
    private RentalNetwork Net => fixture.Network;

    private FabricClient Client => fixture.Client;

    [Fact]
    public Task A_two_gpu_job_runs_both_ranks_on_a_real_worker_and_the_cluster_settles_hours_times_price_exactly() =>
        RentalScenarios.TwoGpuJobRunsAndSettlesExactlyAsync(Net, Client);

    [Fact]
    public async Task Cancelling_a_job_kills_its_whole_process_tree_on_the_worker_and_returns_the_escrow()
    {
        var model = RentalNetwork.NewModel("Cancel");
        var supplier = await Net.NewWalletAsync("supplier");
        await using var worker = Net.StartWorker(supplier.File, gpus: 1, model, price: 36m);
        var renter = await Net.FundedRenterAsync(100); // while the worker registers and verifies its GPU
        await RentalNetwork.WaitForDevicesAsync(Client, supplier.Address, model, 1);
        var jobId = RentalNetwork.NewId("jb");

        // A job on a cluster of its own; its shell starts a grandchild, and a daemon: a sleep started by a shell in a
        // session of its own that exits at once, so it is in neither the job's process group nor its process tree.
        await Net.OkAsync("job", "submit", "--gpus", "1", "--model", model, "--max-price", "36", "--hours", "1", "--id", jobId,
            "--keypair", renter.File, "--", "sh", "-c", "sleep 300 & echo $!; setsid sh -c 'sleep 301 & echo $!'; wait");
        var printed = await Eventually.WaitAsync(async () => RentalNetwork.Chunks(await Net.OkAsync("job", "logs", jobId)),
            chunks => Stdout(chunks, 0).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2, TimeSpan.FromSeconds(60),
            "the job to print its sleeps' pids");
        var pids = Stdout(printed, 0).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var (grandchild, daemon) = (pids[0], pids[1]);
        var running = (await Net.OkAsync("job", "status", jobId)).Json();
        Assert.Equal("Running", running.GetProperty("status").GetString());
        var shell = running.GetProperty("attempts")[0].GetProperty("ranks")[0].GetProperty("pid").GetInt32();
        Assert.True(RentalNetwork.IsRunning(shell), $"the job's shell {shell} runs");
        Assert.True(RentalNetwork.IsRunning(grandchild), $"its sleep {grandchild} runs");
        Assert.True(RentalNetwork.IsRunning(daemon), $"its daemon {daemon} runs");

        var stranger = await Net.NewWalletAsync("stranger");
        var refused = await Net.Cli("job", "cancel", jobId, "--keypair", stranger.File);
        Assert.Equal(1, refused.ExitCode);
        Assert.True(RentalNetwork.IsRunning(grandchild) && RentalNetwork.IsRunning(daemon), "a stranger's cancel kills nothing");

        var cancelled = await Net.OkAsync("job", "cancel", jobId, "--keypair", renter.File);

        Assert.Equal("Cancelled", cancelled.Json().GetProperty("status").GetString());
        // The worker adopted the daemon when its shell exited, and kills it once the rank has ended.
        await Eventually.WaitAsync(() => Task.FromResult(RentalNetwork.IsRunning(shell) || RentalNetwork.IsRunning(grandchild) || RentalNetwork.IsRunning(daemon)),
            alive => !alive, TimeSpan.FromSeconds(30), $"the shell {shell}, its sleep {grandchild} and its daemon {daemon} to be killed");
        var job = (await Net.OkAsync("job", "status", jobId)).Json();
        Assert.Equal("Cancelled", job.GetProperty("status").GetString());
        Assert.Single(job.GetProperty("attempts").EnumerateArray());

        // The job's own cluster ended with it: the time used is paid exactly, the rest of the escrow is back.
        var cluster = (await Net.OkAsync("cluster", "status", job.GetProperty("clusterId").GetString()!)).Json();
        Assert.Equal("Released", cluster.GetProperty("cluster").GetProperty("status").GetString());
        var bill = RentalScenarios.AssertSettledExactly(cluster);
        Assert.Equal((100m - Iosd(bill.Paid + bill.Fees), 0m), await Net.IosdAsync(renter.File));
        Assert.Equal((Iosd(bill.Paid - RentalScenarios.BookingFee(bill.Paid)), 0m), await Net.IosdAsync(supplier.File));
        await Net.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task A_worker_killed_mid_run_loses_its_device_and_the_rank_restarts_on_another_worker_without_charging_the_silence()
    {
        await using var two = await TwoWorkersAsync("Lost");
        var (renter, clusterId, lostDevice) = (two.Renter, two.ClusterId, two.DeviceId);
        var jobId = RentalNetwork.NewId("jb");
        var (victim, lostOwner, survivorOwner) = (two.Placed, two.PlacedOwner, two.OtherOwner);

        // The first attempt sleeps until it is killed; the restart says which attempt it is and ends.
        await Net.OkAsync("job", "submit", "--cluster", clusterId, "--id", jobId, "--keypair", renter.File, "--",
            "sh", "-c", "echo rank $FABRIC_RANK restart $FABRIC_RESTART_COUNT; if [ \"$FABRIC_RESTART_COUNT\" = 0 ]; then exec sleep 300; fi");
        var started = await Eventually.WaitAsync(() => Client.GetJobAsync(jobId), j => j is { Status: JobStatus.Running },
            TimeSpan.FromSeconds(60), "the job to run on the first device");
        var orphan = started!.Attempts[0].Ranks[0].Pid!.Value;
        try
        {
            Assert.Equal(lostDevice, started.Attempts[0].Ranks[0].DeviceId);
            // Output travels in chunks flushed every 200 ms: kill the worker only once the first attempt's line is in.
            await Eventually.WaitAsync(() => Client.ReadLogsAsync(jobId, 0, TimeSpan.Zero),
                page => page.Chunks.Any(c => c.Text.Contains("restart 0", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30), "the first attempt's output");
            await victim.KillAsync();
            var killedAt = DateTimeOffset.UtcNow;

            var ended = await Eventually.WaitAsync(() => Client.GetJobAsync(jobId), j => j is { Status: JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled },
                TimeSpan.FromSeconds(90), "the device to go Offline and the job to restart on the other worker and finish");

            var job = (await Net.OkAsync("job", "status", jobId)).Json();
            Assert.True(job.GetProperty("status").GetString() == "Succeeded", ended!.Reason);
            Assert.Equal(0, job.GetProperty("exitCode").GetInt32());
            var attempts = job.GetProperty("attempts").EnumerateArray().ToList();
            Assert.Equal(2, attempts.Count);
            var first = attempts[0].GetProperty("ranks")[0];
            var second = attempts[1].GetProperty("ranks")[0];
            Assert.Equal(lostDevice, first.GetProperty("deviceId").GetString());
            Assert.Contains("device lost", first.GetProperty("note").GetString(), StringComparison.Ordinal);
            Assert.NotEqual(lostDevice, second.GetProperty("deviceId").GetString());
            Assert.Equal(0, second.GetProperty("exitCode").GetInt32());

            var chunks = RentalNetwork.Chunks(await Net.OkAsync("job", "logs", jobId));
            Assert.Equal("rank 0 restart 0\nrank 0 restart 1\n", Stdout(chunks, 0));
            var fabric = string.Concat(chunks.Where(c => c.GetProperty("stream").GetString() == "Fabric").Select(c => c.GetProperty("text").GetString()));
            Assert.Contains("rank 0 lost", fabric, StringComparison.Ordinal);
            Assert.Contains("attempt 2 (restart 1", fabric, StringComparison.Ordinal);

            // The renter sees why, and the lost device is charged only until it was last heard from.
            var running = (await Net.OkAsync("cluster", "status", clusterId)).Json().GetProperty("cluster");
            var past = Assert.Single(running.GetProperty("pastMembers").EnumerateArray());
            var now = Assert.Single(running.GetProperty("members").EnumerateArray());
            Assert.Equal(lostDevice, past.GetProperty("deviceId").GetString());
            Assert.Contains("went silent", past.GetProperty("endReason").GetString(), StringComparison.Ordinal);
            var silentFrom = past.GetProperty("until").GetDateTimeOffset();
            Assert.True(silentFrom <= killedAt && silentFrom > killedAt - TimeSpan.FromSeconds(5),
                $"charged until the last heartbeat ({silentFrom:O}), not past the kill ({killedAt:O})");
            Assert.Equal(survivorOwner.Address, now.GetProperty("owner").GetString());
            Assert.True(now.GetProperty("since").GetDateTimeOffset() >= silentFrom);

            await Net.OkAsync("cluster", "release", clusterId, "--keypair", renter.File);
            var released = (await Net.OkAsync("cluster", "status", clusterId)).Json();
            var bill = RentalScenarios.AssertSettledExactly(released);
            var lostCharge = bill.ByOwner[lostOwner.Address];
            var lostSeconds = (long)Math.Floor((silentFrom - past.GetProperty("since").GetDateTimeOffset()).TotalSeconds);
            Assert.Equal(RentalScenarios.Due(36_000_000, lostSeconds), lostCharge);
            Assert.Equal((100m - Iosd(bill.Paid + bill.Fees), 0m), await Net.IosdAsync(renter.File));
            Assert.Equal((Iosd(lostCharge - RentalScenarios.BookingFee(lostCharge)), 0m), await Net.IosdAsync(lostOwner.File));
            var survivorCharge = bill.ByOwner[survivorOwner.Address];
            Assert.Equal((Iosd(survivorCharge - RentalScenarios.BookingFee(survivorCharge)), 0m), await Net.IosdAsync(survivorOwner.File));
            await Net.AssertLedgerSoundAsync();
        }
        finally
        {
            // The killed worker could not stop its child: it is orphaned, as on a real machine.
            RentalNetwork.KillQuietly(orphan);
        }
    }

    [Fact]
    public async Task A_worker_stopped_mid_run_signs_its_device_off_and_the_rank_restarts_elsewhere_without_waiting_for_silence()
    {
        await using var two = await TwoWorkersAsync("Stop");
        var (renter, clusterId, stoppedDevice, stopping) = (two.Renter, two.ClusterId, two.DeviceId, two.Placed);
        var jobId = RentalNetwork.NewId("jb");
        await Net.OkAsync("job", "submit", "--cluster", clusterId, "--id", jobId, "--keypair", renter.File, "--",
            "sh", "-c", "echo restart $FABRIC_RESTART_COUNT; if [ \"$FABRIC_RESTART_COUNT\" = 0 ]; then exec sleep 300; fi");
        var started = await Eventually.WaitAsync(() => Client.GetJobAsync(jobId), j => j is { Status: JobStatus.Running },
            TimeSpan.FromSeconds(60), "the job to run on the first device");
        var firstPid = started!.Attempts[0].Ranks[0].Pid!.Value;

        Assert.Equal(0, await stopping.StopAsync(TimeSpan.FromSeconds(30)));
        var ended = await Eventually.WaitAsync(() => Client.GetJobAsync(jobId), j => j is { Status: JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled },
            TimeSpan.FromSeconds(60), "the job to restart on the other worker and finish");

        Assert.True(ended!.Status == JobStatus.Succeeded, ended.Reason);
        Assert.Equal(2, ended.Attempts.Count);
        Assert.NotEqual(stoppedDevice, ended.Attempts[1].Ranks[0].DeviceId);
        Assert.False(RentalNetwork.IsRunning(firstPid), "the stopped worker kills its rank");
        // The device said goodbye: it left at once, not after the silence the sweep would have had to notice.
        var cluster = (await Net.OkAsync("cluster", "status", clusterId)).Json().GetProperty("cluster");
        var past = Assert.Single(cluster.GetProperty("pastMembers").EnumerateArray());
        Assert.Equal(stoppedDevice, past.GetProperty("deviceId").GetString());
        Assert.Contains("worker stopped", past.GetProperty("endReason").GetString(), StringComparison.Ordinal);
        Assert.Equal(DeviceStatus.Offline, (await Client.GetDeviceAsync(stoppedDevice))!.Status);
        await Net.OkAsync("cluster", "release", clusterId, "--keypair", renter.File);
        await Net.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task A_two_rank_job_restarts_both_ranks_when_one_worker_stops_and_its_rank_moves_to_a_spare_device()
    {
        var model = RentalNetwork.NewModel("Pair");
        // Three suppliers with one GPU each: the job takes two, the third is where a lost rank goes.
        var suppliers = new List<(string File, string Address)>();
        var workers = new Dictionary<string, WorkerProcess>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var supplier = await Net.NewWalletAsync($"supplier-{i}");
                suppliers.Add(supplier);
                workers[supplier.Address] = Net.StartWorker(supplier.File, gpus: 1, model, price: 36m);
            }

            var renter = await Net.FundedRenterAsync(100);
            foreach (var supplier in suppliers)
            {
                await RentalNetwork.WaitForDevicesAsync(Client, supplier.Address, model, 1);
            }

            var jobId = RentalNetwork.NewId("jb");
            await Net.OkAsync("job", "submit", "--gpus", "2", "--model", model, "--max-price", "36", "--hours", "1", "--id", jobId,
                "--keypair", renter.File, "--", "sh", "-c", "echo rank $FABRIC_RANK restart $FABRIC_RESTART_COUNT; if [ \"$FABRIC_RESTART_COUNT\" = 0 ]; then exec sleep 300; fi");
            var running = await Eventually.WaitAsync(() => Client.GetJobAsync(jobId), j => j is { Status: JobStatus.Running },
                TimeSpan.FromSeconds(60), "both ranks to run");
            var leaving = running!.Attempts[0].Ranks.Single(r => r.Rank == 0);
            var leavingOwner = (await Client.GetDeviceAsync(leaving.DeviceId))!.Owner;

            // Rank 0's worker stops: the rank is lost, the job stops rank 1 (which exits as killed) and restarts both.
            Assert.Equal(0, await workers[leavingOwner].StopAsync(TimeSpan.FromSeconds(30)));
            var ended = await Eventually.WaitAsync(() => Client.GetJobAsync(jobId), j => j is { Status: JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled },
                TimeSpan.FromSeconds(90), "the job to restart on the other two devices and finish");

            Assert.True(ended!.Status == JobStatus.Succeeded, ended.Reason);
            Assert.Equal(2, ended.Attempts.Count);
            Assert.Contains("worker stopped", ended.Attempts[0].Ranks.Single(r => r.Rank == 0).Note, StringComparison.Ordinal);
            Assert.DoesNotContain(leaving.DeviceId, ended.Attempts[1].Ranks.Select(r => r.DeviceId));
            Assert.All(ended.Attempts[1].Ranks, r => Assert.Equal(0, r.ExitCode));
            var chunks = RentalNetwork.Chunks(await Net.OkAsync("job", "logs", jobId));
            foreach (var rank in new[] { 0, 1 })
            {
                Assert.Equal($"rank {rank} restart 0\nrank {rank} restart 1\n", Stdout(chunks, rank));
            }

            await Net.AssertLedgerSoundAsync();
        }
        finally
        {
            foreach (var worker in workers.Values)
            {
                await worker.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_job_whose_only_device_restarts_its_worker_runs_again_on_that_device()
    {
        var model = RentalNetwork.NewModel("Back");
        var supplier = await Net.NewWalletAsync("supplier");
        var renter = await Net.FundedRenterAsync(100);
        var jobId = RentalNetwork.NewId("jb");
        string deviceId;
        await using (var first = Net.StartWorker(supplier.File, gpus: 1, model, price: 36m))
        {
            deviceId = (await RentalNetwork.WaitForDevicesAsync(Client, supplier.Address, model, 1))[0].Id;
            await Net.OkAsync("job", "submit", "--gpus", "1", "--model", model, "--max-price", "36", "--hours", "1", "--id", jobId,
                "--keypair", renter.File, "--", "sh", "-c", "echo restart $FABRIC_RESTART_COUNT; if [ \"$FABRIC_RESTART_COUNT\" = 0 ]; then exec sleep 300; fi");
            await Eventually.WaitAsync(() => Client.GetJobAsync(jobId), j => j is { Status: JobStatus.Running },
                TimeSpan.FromSeconds(60), "the job to run");
            Assert.Equal(0, await first.StopAsync(TimeSpan.FromSeconds(30)));
        }

        // No other device matches: the job waits for its cluster to re-place the rank.
        var waiting = await Eventually.WaitAsync(() => Client.GetJobAsync(jobId), j => j is { Status: JobStatus.Queued },
            TimeSpan.FromSeconds(30), "the job to wait for its lost rank");
        Assert.Contains("worker stopped", waiting!.Reason, StringComparison.Ordinal);

        // The supplier starts the worker again: the same GPU, the same device, back Online, and the job runs on it again.
        await using var second = Net.StartWorker(supplier.File, gpus: 1, model, price: 36m);
        var ended = await Eventually.WaitAsync(() => Client.GetJobAsync(jobId), j => j is { Status: JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled },
            TimeSpan.FromSeconds(90), "the job to run again on the device once it is back");

        Assert.True(ended!.Status == JobStatus.Succeeded, ended.Reason);
        Assert.Equal([deviceId, deviceId], ended.Attempts.Select(a => a.Ranks[0].DeviceId));
        var chunks = RentalNetwork.Chunks(await Net.OkAsync("job", "logs", jobId));
        Assert.Equal("restart 0\nrestart 1\n", Stdout(chunks, 0));
        // Two stretches on the same device, each paid exactly; the time it was away, between them, is not charged.
        var view = await Eventually.WaitAsync(async () => (await Net.OkAsync("cluster", "status", ended.ClusterId)).Json(),
            v => v.GetProperty("cluster").GetProperty("status").GetString() == "Released", TimeSpan.FromSeconds(30), "the job's cluster to end with it");
        var rented = view.GetProperty("cluster");
        var stretches = rented.GetProperty("pastMembers").EnumerateArray().Concat(rented.GetProperty("members").EnumerateArray()).ToList();
        Assert.Equal(2, stretches.Count);
        Assert.All(stretches, p => Assert.Equal(deviceId, p.GetProperty("deviceId").GetString()));
        Assert.Contains("worker stopped", stretches[0].GetProperty("endReason").GetString(), StringComparison.Ordinal);
        Assert.True(stretches[1].GetProperty("since").GetDateTimeOffset() > stretches[0].GetProperty("until").GetDateTimeOffset(), "charged from its return, not from its loss");
        RentalScenarios.AssertSettledExactly(view);
        await Net.AssertLedgerSoundAsync();
    }

    /// <summary>
    /// Two suppliers, each with a worker serving one GPU of a model no other test uses, and a funded renter whose
    /// one-GPU cluster is placed (Running) on one of them: where a test makes that worker go away.
    /// </summary>
    private async Task<TwoWorkers> TwoWorkersAsync(string tag)
    {
        var model = RentalNetwork.NewModel(tag);
        var a = await Net.NewWalletAsync("supplier-a");
        var b = await Net.NewWalletAsync("supplier-b");
        var workerA = Net.StartWorker(a.File, gpus: 1, model, price: 36m);
        var workerB = Net.StartWorker(b.File, gpus: 1, model, price: 36m);
        try
        {
            var renter = await Net.FundedRenterAsync(100);
            await Task.WhenAll(
                RentalNetwork.WaitForDevicesAsync(Client, a.Address, model, 1),
                RentalNetwork.WaitForDevicesAsync(Client, b.Address, model, 1));
            var clusterId = RentalNetwork.NewId("cl");
            var deployed = await Net.OkAsync("cluster", "deploy", "--gpus", "1", "--model", model, "--region", "eu", "--max-price", "36",
                "--hours", "1", "--id", clusterId, "--keypair", renter.File, "--wait", "--timeout", "60");
            var placed = Assert.Single(RentalNetwork.LastLine(deployed).GetProperty("cluster").GetProperty("members").EnumerateArray());
            var onA = placed.GetProperty("owner").GetString() == a.Address;
            return new TwoWorkers(workerA, workerB, onA ? a : b, onA ? b : a, renter, clusterId, placed.GetProperty("deviceId").GetString()!, onA);
        }
        catch
        {
            await workerA.DisposeAsync();
            await workerB.DisposeAsync();
            throw;
        }
    }

    private sealed record TwoWorkers(
        WorkerProcess A, WorkerProcess B, (string File, string Address) PlacedOwner, (string File, string Address) OtherOwner,
        (string File, string Address) Renter, string ClusterId, string DeviceId, bool OnA) : IAsyncDisposable
    {
        /// <summary>The worker whose device holds the cluster's rank.</summary>
        public WorkerProcess Placed => OnA ? A : B;

        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
        }
    }

    internal static string Stdout(IEnumerable<JsonElement> chunks, int rank) => string.Concat(chunks
        .Where(c => c.GetProperty("stream").GetString() == "Stdout" && c.GetProperty("rank").GetInt32() == rank)
        .Select(c => c.GetProperty("text").GetString()));

    internal static decimal Iosd(long baseUnits) => baseUnits / 1_000_000m;
}

/// <summary>
/// Two silos on one SQLite file: the one hosting a running job's grains is killed; the job's process on the live
/// worker keeps running, and its exit is recorded once the grains reactivate on the survivor from storage.
/// </summary>
public sealed class RentalSiloFailoverTests : IDisposable
{
    private readonly string _workDir = Paths.NewTempFolder("rentalfail");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task A_silo_killed_mid_run_leaves_the_job_running_and_the_survivor_records_its_exit_and_whole_output_and_settles()
    {
        var dataDir = Path.Combine(_workDir, ".fabric");
        var secondSettings = SiloSettings.OnFreePorts(dataDir);
        // The first silo writes a job's output only when the job ends: whatever the job printed is unwritten when it dies.
        await using var first = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(dataDir) with
        {
            Environment = new Dictionary<string, string> { ["FABRIC__RENTAL__LOGWRITEEVERY"] = "01:00:00" },
        });
        // The worker knows both gateways from the start, as a supplier configures it; the second silo comes later.
        var net = new RentalNetwork(_workDir, Path.Combine(dataDir, "keys", "authority.json"), [first.Settings.Gateway, secondSettings.Gateway]);
        await using var client = new FabricClient(new FabricClientOptions { Gateways = [first.Settings.Gateway], ResponseTimeout = TimeSpan.FromSeconds(10) });
        var model = RentalNetwork.NewModel("Failover");
        var supplier = await net.NewWalletAsync("supplier");
        await using var worker = net.StartWorker(supplier.File, gpus: 1, model, price: 36m);
        var renter = await net.FundedRenterAsync(100);
        await RentalNetwork.WaitForDevicesAsync(client, supplier.Address, model, 1);
        var jobId = RentalNetwork.NewId("jb");
        var go = Path.Combine(_workDir, "go");

        // Runs until the test creates the file ($0 of the script); every grain it needs is activated on the only silo.
        await net.OkAsync("job", "submit", "--gpus", "1", "--model", model, "--max-price", "36", "--hours", "1", "--id", jobId,
            "--keypair", renter.File, "--", "sh", "-c", "echo started; while [ ! -e \"$0\" ]; do sleep 0.2; done; echo finished", go);
        var running = await Eventually.WaitAsync(() => client.GetJobAsync(jobId), j => j is { Status: JobStatus.Running },
            TimeSpan.FromSeconds(60), "the job to run");
        var pid = running!.Attempts[0].Ranks[0].Pid!.Value;
        await Eventually.WaitAsync(async () => RentalNetwork.Chunks(await net.OkAsync("job", "logs", jobId)),
            chunks => RentalEndToEndTests.Stdout(chunks, 0) == "started\n", TimeSpan.FromSeconds(30), "the job's first line to reach it");

        await using var second = await SiloProcess.StartAsync(secondSettings);
        await first.KillAsync();
        net.Where = ["--gateway", second.Settings.Gateway];
        await using var survivor = new FabricClient(new FabricClientOptions { Gateways = [second.Settings.Gateway], ResponseTimeout = TimeSpan.FromSeconds(10) });
        await Eventually.WaitAsync(() => survivor.GetStatusAsync(includeDead: true),
            s => s.Silos.Any(x => x.GatewayPort == first.Settings.GatewayPort && x.Status == "Dead"),
            TimeSpan.FromSeconds(90), "the killed silo to be declared Dead");
        Assert.True(RentalNetwork.IsRunning(pid), $"the job's process {pid} keeps running on its worker through the failover");

        await File.WriteAllTextAsync(go, "", TestContext.Current.CancellationToken);
        await Eventually.WaitAsync(() => survivor.GetJobAsync(jobId), j => j is { Status: JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled },
            TimeSpan.FromSeconds(90), "the job's exit to reach its grain on the survivor");

        var job = (await net.OkAsync("job", "status", jobId)).Json();
        Assert.True(job.GetProperty("status").GetString() == "Succeeded", job.ToString());
        Assert.Equal(0, job.GetProperty("exitCode").GetInt32());
        var attempt = Assert.Single(job.GetProperty("attempts").EnumerateArray());
        Assert.Equal(pid, attempt.GetProperty("ranks")[0].GetProperty("pid").GetInt32());
        Assert.Equal(0, attempt.GetProperty("ranks")[0].GetProperty("exitCode").GetInt32());
        Assert.False(RentalNetwork.IsRunning(pid));
        // The first line died unwritten with the first silo; the worker kept it until a job had stored it, and sent it again.
        var logs = RentalNetwork.Chunks(await net.OkAsync("job", "logs", jobId));
        Assert.Equal("started\nfinished\n", RentalEndToEndTests.Stdout(logs, 0));

        // The job's own cluster ended with it on the survivor: settled exactly, the rest of the escrow released.
        var cluster = (await net.OkAsync("cluster", "status", job.GetProperty("clusterId").GetString()!)).Json();
        Assert.Equal("Released", cluster.GetProperty("cluster").GetProperty("status").GetString());
        var bill = RentalScenarios.AssertSettledExactly(cluster);
        Assert.Equal((100m - RentalEndToEndTests.Iosd(bill.Paid + bill.Fees), 0m), await net.IosdAsync(renter.File));
        Assert.Equal((RentalEndToEndTests.Iosd(bill.Paid - RentalScenarios.BookingFee(bill.Paid)), 0m), await net.IosdAsync(supplier.File));
        await net.AssertLedgerSoundAsync();
    }
}

/// <summary>The first scenario over PostgreSQL: the same run, the same exact bill.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RentalPostgresEndToEndTests(PostgresServer postgres) : IDisposable
{
    private readonly string _workDir = Paths.NewTempFolder("pgrental");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task A_two_gpu_job_runs_and_settles_exactly_over_postgres()
    {
        var connection = await postgres.CreateDatabaseAsync("rental");
        var authority = Keypair.Generate();
        var authorityKey = Path.Combine(_workDir, "authority.json");
        KeypairFile.Write(authorityKey, authority);
        await using var silo = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(Path.Combine(_workDir, ".fabric")) with
        {
            Storage = "postgres",
            Connection = connection,
            Environment = new Dictionary<string, string>
            {
                ["FABRIC__NETWORK__AUTHORITY"] = authority.Address.ToString(),
                ["FABRIC__NETWORK__TREASURY"] = Keypair.Generate().Address.ToString(),
            },
        });
        var net = new RentalNetwork(_workDir, authorityKey, [silo.Settings.Gateway]) { Where = ["--gateway", silo.Settings.Gateway] };
        await using var client = new FabricClient(new FabricClientOptions { Gateways = [silo.Settings.Gateway], ResponseTimeout = TimeSpan.FromSeconds(10) });

        await RentalScenarios.TwoGpuJobRunsAndSettlesExactlyAsync(net, client);
    }
}

/// <summary>Scenarios shared by the SQLite and PostgreSQL runs, and the arithmetic a bill must match.</summary>
public static class RentalScenarios
{
    private const long PaymentFeeIosdBps = 200;
    private const long BookingFeeBps = 25;

    /// <summary>IOSD base units for <paramref name="seconds"/> at a price per GPU-hour, rounded down.</summary>
    public static long Due(long pricePerHour, long seconds) => seconds <= 0 ? 0 : (long)((Int128)pricePerHour * seconds / 3600);

    public static long BookingFee(long payout) => payout * BookingFeeBps / 10_000;

    /// <summary>What one ended cluster's bill comes to: paid to suppliers (per owner) and the payment fees.</summary>
    public sealed record Bill(long Paid, long Fees, IReadOnlyDictionary<string, long> ByOwner);

    /// <summary>
    /// Asserts an ended cluster (<c>cluster status --json</c>) charged every membership exactly price × whole seconds
    /// from Since to Until ÷ 3600, rounded down once, paid their sum to suppliers and 2% on top in fees, and holds nothing.
    /// </summary>
    public static Bill AssertSettledExactly(JsonElement view)
    {
        var cluster = view.GetProperty("cluster");
        Assert.Equal("IOSD", cluster.GetProperty("pay").GetString());
        var byOwner = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var member in cluster.GetProperty("members").EnumerateArray().Concat(cluster.GetProperty("pastMembers").EnumerateArray()))
        {
            var since = member.GetProperty("since").GetDateTimeOffset();
            var until = member.GetProperty("until").GetDateTimeOffset();
            var seconds = (long)Math.Floor((until - since).TotalSeconds);
            var due = Due(member.GetProperty("pricePerHour").GetInt64(), seconds);
            Assert.Equal(due, member.GetProperty("charged").GetInt64());
            var owner = member.GetProperty("owner").GetString()!;
            byOwner[owner] = byOwner.GetValueOrDefault(owner) + due;
        }

        var paid = cluster.GetProperty("paid").GetInt64();
        var fees = cluster.GetProperty("fees").GetInt64();
        Assert.Equal(byOwner.Values.Sum(), paid);
        Assert.True(paid > 0, "real seconds of GPU-time were used and paid for");
        Assert.Equal(paid * PaymentFeeIosdBps / 10_000, fees);
        Assert.Equal(RentalEndToEndTests.Iosd(paid), view.GetProperty("paidTokens").GetDecimal());
        return new Bill(paid, fees, byOwner);
    }

    /// <summary>
    /// deploy 2 GPUs → placed on a real worker → a job runs `sh -c 'echo hello from $FABRIC_RANK'` on both → each rank's
    /// line in the logs → exit code 0 → release → the bill is hours × price exactly, and the wallets and ledger agree.
    /// </summary>
    public static async Task TwoGpuJobRunsAndSettlesExactlyAsync(RentalNetwork net, FabricClient client)
    {
        var model = RentalNetwork.NewModel("E2E");
        var supplier = await net.NewWalletAsync("supplier");
        await using var worker = net.StartWorker(supplier.File, gpus: 2, model, price: 36m);
        var renter = await net.FundedRenterAsync(100); // while the worker registers and verifies its GPUs
        var devices = await RentalNetwork.WaitForDevicesAsync(client, supplier.Address, model, 2);
        var clusterId = RentalNetwork.NewId("cl");
        var jobId = RentalNetwork.NewId("jb");

        var deployed = await net.OkAsync("cluster", "deploy", "--gpus", "2", "--model", model, "--region", "eu", "--max-price", "36",
            "--hours", "1", "--id", clusterId, "--keypair", renter.File, "--wait", "--timeout", "60");

        var placed = RentalNetwork.LastLine(deployed).GetProperty("cluster");
        Assert.Equal("Running", placed.GetProperty("status").GetString());
        var members = placed.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal([0, 1], members.Select(m => m.GetProperty("rank").GetInt32()).Order());
        Assert.Equal(devices.Select(d => d.Id).Order(), members.Select(m => m.GetProperty("deviceId").GetString()!).Order());
        Assert.All(members, m => Assert.Equal(supplier.Address, m.GetProperty("owner").GetString()));
        Assert.All(members, m => Assert.Equal(36_000_000, m.GetProperty("pricePerHour").GetInt64()));
        // Escrowed: 2 GPUs × 1 h × 36 IOSD, + 2% for paying in IOSD.
        Assert.Equal((100m - 73.44m, 73.44m), await net.IosdAsync(renter.File));

        var ran = await net.OkAsync("job", "submit", "--cluster", clusterId, "--id", jobId, "--keypair", renter.File, "--wait", "--timeout", "60",
            "--", "sh", "-c", "echo hello from $FABRIC_RANK; exit 0");

        var finished = RentalNetwork.LastLine(ran);
        Assert.Equal("Succeeded", finished.GetProperty("status").GetString());
        var logs = RentalNetwork.Chunks(await net.OkAsync("job", "logs", jobId));
        Assert.Equal("hello from 0\n", RentalEndToEndTests.Stdout(logs, 0));
        Assert.Equal("hello from 1\n", RentalEndToEndTests.Stdout(logs, 1));
        var job = (await net.OkAsync("job", "status", jobId)).Json();
        Assert.Equal("Succeeded", job.GetProperty("status").GetString());
        Assert.Equal(0, job.GetProperty("exitCode").GetInt32());
        var attempt = Assert.Single(job.GetProperty("attempts").EnumerateArray());
        Assert.All(attempt.GetProperty("ranks").EnumerateArray(), r => Assert.Equal(0, r.GetProperty("exitCode").GetInt32()));

        var released = await net.OkAsync("cluster", "release", clusterId, "--keypair", renter.File);
        Assert.Equal("Released", released.Json().GetProperty("cluster").GetProperty("status").GetString());

        var bill = AssertSettledExactly((await net.OkAsync("cluster", "status", clusterId)).Json());
        Assert.Equal(supplier.Address, Assert.Single(bill.ByOwner).Key);
        Assert.Equal((100m - RentalEndToEndTests.Iosd(bill.Paid + bill.Fees), 0m), await net.IosdAsync(renter.File));
        Assert.Equal((RentalEndToEndTests.Iosd(bill.Paid - BookingFee(bill.Paid)), 0m), await net.IosdAsync(supplier.File));
        await net.AssertLedgerSoundAsync();
    }
}
