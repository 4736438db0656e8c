using System.Diagnostics;
using System.Globalization;
using Fabric.Client;
using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Jobs;
using Fabric.Money;
using Fabric.Wallet;
using Fabric.Worker;
using Fabric.Worker.Connection;
using Fabric.Worker.Devices;
using Fabric.Worker.Gpus;
using Fabric.Worker.Hosting;

namespace Fabric.Silo.Demo;

/// <summary>
/// The silo's --demo: Fabric at work in one command. Once the silo serves, it plays a supplier and a renter against the
/// silo's own gateway, through the same code a real worker and a real client run: simulated GPUs served by
/// <see cref="WorkerService.CreateAgents"/> and <see cref="WorkerService.ServeAsync"/> (register, verify, heartbeat,
/// run jobs as child processes), a renter funded with IOSD minted by the network authority's local key, two clusters
/// deployed, a job run on each, their logs read and the clusters released and settled. Each step prints one
/// "demo: ..." line. The simulated GPUs keep serving after the script, until the silo stops (their running job
/// processes are killed then). Keys live under DATA/demo/ and are reused on the next run.
/// </summary>
public sealed class DemoService(
    FabricSiloOptions options, NetworkKeys.Resolved keys, DemoTrigger trigger, ILoggerFactory loggerFactory) : BackgroundService
{
    /// <summary>Every line the demo prints starts with this.</summary>
    public const string Prefix = "demo: ";

    /// <summary>The demo's last line once its script ran through; tests wait for it.</summary>
    public const string FinishedMarker = "demo: finished";

    /// <summary>IOSD the renter starts with (minted when it has less than <see cref="TopUpBelow"/>).</summary>
    private const decimal Funding = 100m;

    private const decimal TopUpBelow = 20m;

    private static readonly TimeSpan VerifyTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan PlaceTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(3);

    /// <summary>
    /// One simulated supplier machine; its GPUs start at <c>FirstIndex</c> in the supplier's simulated UUIDs (machines
    /// must not overlap).
    /// </summary>
    private sealed record Machine(string Name, int Gpus, string Model, string Region, decimal Price, int FirstIndex);

    private static readonly Machine[] Machines =
    [
        new("machine-a", 4, "RTX 4090", "eu", 0.45m, 0),
        new("machine-b", 2, "A100 80GB", "us", 1.20m, 4),
    ];

    /// <summary>What the renter asks for, and what runs there.</summary>
    private sealed record Sample(string What, ClusterRequest Request, IReadOnlyList<string> Command);

    private static readonly TimeProvider Time = TimeProvider.System;

    private string Folder => Path.Combine(options.DataDir, "demo");

    private string Gateway => $"{options.AdvertisedAddress}:{options.GatewayPort}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await trigger.Pulled.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var workerOptions = new WorkerOptions
        {
            Gateways = [Gateway],
            ClusterId = options.ClusterId,
            ServiceId = options.ServiceId,
            WorkDir = Path.Combine(Folder, "work"),
            AdvertiseAddress = options.AdvertisedAddress,
        };
        var machines = new List<SimulatedMachine>();
        WorkerConnection? connection = null;
        try
        {
            Say($"starting: a supplier and a renter on this silo's gateway {Gateway}, keys in {Shown(Folder)}");
            var supplier = LoadOrCreateKey("supplier");
            var renter = LoadOrCreateKey("renter");

            // The renter's side: a client of its own, as an app embedding Fabric has.
            await using var client = new FabricClient(new FabricClientOptions
            {
                Gateways = [Gateway],
                ClusterId = options.ClusterId,
                ServiceId = options.ServiceId,
            });
            await client.ConnectAsync(stoppingToken);
            await ReleaseLeftoversAsync(client, renter, stoppingToken);
            await FundAsync(client, renter, stoppingToken);

            // The supplier's side: the worker's own classes, as 'fabric-worker --simulate' runs them, one machine at a
            // time (each new GPU hashes a verification challenge on a CPU thread; all at once could miss the deadline).
            connection = new WorkerConnection(workerOptions, loggerFactory, Time);
            var parts = new SimulatedMachine.Parts(supplier, workerOptions, new FabricDeviceApi(connection),
                new Worker.Jobs.FabricWorkApi(connection), new CpuChallengeSolver(),
                HostProbe.Describe() with { LatencyMs = 1, BandwidthMbps = 0 }, loggerFactory);
            var started = Stopwatch.GetTimestamp();
            foreach (var spec in Machines)
            {
                var machine = new SimulatedMachine(spec, parts);
                machines.Add(machine);
                await machine.StartAsync(stoppingToken);
                Say($"supplier {supplier.Address} serves {spec.Name}: {spec.Gpus} x {spec.Model} (simulated) in {spec.Region} " +
                    $"at {Iosd(Token.IOSD.ToBaseUnits(spec.Price))} IOSD per GPU-hour; registering, verifying ...");
                await WaitForMachineAsync(client, machine, stoppingToken);
            }

            Say($"{machines.Sum(m => m.Agents.Count)} GPUs online and verified after {Seconds(started)} s");
            await RunScriptAsync(client, renter, supplier, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // The demo's failure is one line; the silo itself keeps serving.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Say($"stopped: {Reason(e)} (the silo keeps running{(machines.Count > 0 ? ", and so do the simulated GPUs started" : "")})");
        }

        try
        {
            // The simulated GPUs serve until the silo stops.
            await Task.WhenAll(machines.Select(m => m.Serving)).WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            // The agents go silent and the job processes still running are killed (their whole trees).
            foreach (var machine in machines)
            {
                await machine.DisposeAsync();
            }

            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>The renter's script: two clusters, a job on each, their output, then release and settlement.</summary>
    private async Task RunScriptAsync(FabricClient client, Keypair renter, Keypair supplier, CancellationToken cancellationToken)
    {
        Sample[] samples =
        [
            new("2-GPU job", new ClusterRequest
            {
                Gpus = 2, Models = ["RTX 4090"], Region = "eu", MaxPricePerHour = Token.IOSD.ToBaseUnits(0.50m), Hours = 1,
            }, Shell("echo hello from rank $FABRIC_RANK of $FABRIC_WORLD_SIZE on GPU $CUDA_VISIBLE_DEVICES; sleep 2",
                "echo hello from rank %FABRIC_RANK% of %FABRIC_WORLD_SIZE% on GPU %CUDA_VISIBLE_DEVICES%")),
            new("1-GPU job", new ClusterRequest
            {
                Gpus = 1, Models = ["A100 80GB"], Region = "us", MaxPricePerHour = Token.IOSD.ToBaseUnits(1.30m), Hours = 1,
            }, Shell("echo training $FABRIC_JOB_ID on cluster $FABRIC_CLUSTER_ID; " +
                     "for epoch in 1 2 3; do echo epoch $epoch/3 loss 0.$((90 - 25 * epoch)); sleep 1; done; echo done",
                "echo training %FABRIC_JOB_ID% on cluster %FABRIC_CLUSTER_ID% & echo epoch 1/3 & echo epoch 2/3 & echo epoch 3/3 & echo done")),
        ];

        var clusters = new List<string>();
        foreach (var sample in samples)
        {
            clusters.Add(await DeployAsync(client, renter, sample, cancellationToken));
        }

        foreach (var clusterId in clusters)
        {
            await WaitForPlacementAsync(client, clusterId, cancellationToken);
        }

        var jobs = new List<string>();
        for (var i = 0; i < samples.Length; i++)
        {
            var jobId = FabricClient.NewId("job");
            await client.SubmitJobAsync(renter, jobId, clusters[i], samples[i].Command, cancellationToken);
            Say($"submitted {samples[i].What} {jobId} to cluster {clusters[i]}: {Describe(samples[i].Command)}");
            jobs.Add(jobId);
        }

        var succeeded = 0;
        foreach (var jobId in jobs)
        {
            if (await WaitForJobAsync(client, jobId, cancellationToken) == JobStatus.Succeeded)
            {
                succeeded++;
            }
        }

        foreach (var clusterId in clusters)
        {
            await ReleaseAsync(client, renter, clusterId, cancellationToken);
        }

        var supplierIosd = await AvailableIosdAsync(client, supplier.Address, cancellationToken);
        var renterIosd = await AvailableIosdAsync(client, renter.Address, cancellationToken);
        Say($"balances: renter {Iosd(renterIosd)} IOSD, supplier {Iosd(supplierIosd)} IOSD (earnings, less the booking fee)");
        var ledger = await client.VerifyLedgerAsync(cancellationToken);
        Say(ledger.Problems.Count == 0
            ? $"ledger verified: {ledger.Events} events, hash chain and balances consistent"
            : $"ledger has problems: {string.Join("; ", ledger.Problems)}");

        Hints(jobs);
        Console.Out.WriteLine($"{FinishedMarker}: {succeeded} of {jobs.Count} jobs succeeded; the simulated GPUs keep serving until Ctrl+C.");
    }

    /// <summary>An earlier demo stopped half-way leaves clusters holding GPUs and escrow: release them first.</summary>
    private static async Task ReleaseLeftoversAsync(FabricClient client, Keypair renter, CancellationToken cancellationToken)
    {
        var ids = await client.ListClusterIdsAsync(renter.Address, new PageRequest { Skip = 0, Take = 100 }, cancellationToken);
        foreach (var id in ids.Items)
        {
            if (await client.GetClusterAsync(id, cancellationToken) is { Status: ClusterStatus.Queued or ClusterStatus.Running })
            {
                await client.ReleaseClusterAsync(renter, id, cancellationToken);
                Say($"released cluster {id}, left running by an earlier demo");
            }
        }
    }

    private async Task FundAsync(FabricClient client, Keypair renter, CancellationToken cancellationToken)
    {
        var available = await AvailableIosdAsync(client, renter.Address, cancellationToken);
        if (available >= Token.IOSD.ToBaseUnits(TopUpBelow))
        {
            Say($"renter {renter.Address} has {Iosd(available)} IOSD");
            return;
        }

        if (keys.AuthorityKeyFile is not { } authorityFile)
        {
            throw new InvalidOperationException(
                $"the renter has {Iosd(available)} IOSD and the network authority's key is not on this machine (it is configured as an " +
                $"address); mint IOSD to {renter.Address} with the authority's key, then run the demo again");
        }

        var authority = KeypairFile.Read(authorityFile);
        var receipt = await client.MintAsync(authority, renter.Address, Token.IOSD, Token.IOSD.ToBaseUnits(Funding),
            "demo: test money for the renter", cancellationToken: cancellationToken);
        Say($"minted {Funding} IOSD to the renter {renter.Address}, signed with the authority key {Shown(authorityFile)} " +
            $"(ledger event {receipt.Sequence})");
    }

    /// <summary>
    /// Waits until every GPU of <paramref name="machine"/> is verified and online. A GPU that missed its challenge's
    /// deadline (a busy machine: each simulated GPU hashes on a CPU thread) would wait half an hour for the next one, so
    /// the machine's worker is restarted instead: connecting again sends a fresh challenge.
    /// </summary>
    private static async Task WaitForMachineAsync(FabricClient client, SimulatedMachine machine, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        var ready = new HashSet<string>(StringComparer.Ordinal);
        for (var attempt = 1; ; attempt++)
        {
            var failed = await UntilAsync(VerifyTimeout, $"the GPUs of {machine.Spec.Name} to be verified and online", async () =>
            {
                var missed = new List<string>();
                foreach (var agent in machine.Agents.Where(a => !ready.Contains(a.DeviceId)))
                {
                    var device = await client.GetDeviceAsync(agent.DeviceId, cancellationToken);
                    if (device is { Tier: > DeviceTier.Unverified, Status: DeviceStatus.Online or DeviceStatus.Busy })
                    {
                        ready.Add(device.Id);
                        Say($"  {device.Id}  {device.Spec.Model,-9}  {device.Spec.Region}  {Iosd(device.Spec.PricePerHourBaseUnits)} IOSD/h  " +
                            $"{device.Status}, tier {device.Tier} ({device.MeasuredHashesPerSecond:N0} hashes/s on a CPU thread)");
                    }
                    else if (device is { Status: DeviceStatus.FailedVerification })
                    {
                        missed.Add(device.Id);
                    }
                }

                return ready.Count == machine.Agents.Count || missed.Count > 0 ? missed : null;
            }, () => $"{ready.Count} of {machine.Agents.Count} ready", cancellationToken);
            if (failed.Count == 0)
            {
                return;
            }

            if (attempt == attempts)
            {
                throw new InvalidOperationException(
                    $"{string.Join(", ", failed)} failed verification {attempts} times: this computer is too busy to answer the challenges in time");
            }

            Say($"{string.Join(", ", failed)} missed the verification deadline (a busy CPU); restarting {machine.Spec.Name}'s worker for a new challenge");
            await machine.StopAsync();
            await machine.StartAsync(cancellationToken);
        }
    }

    private static async Task<string> DeployAsync(FabricClient client, Keypair renter, Sample sample, CancellationToken cancellationToken)
    {
        var clusterId = FabricClient.NewId("cluster");
        var r = sample.Request;
        var cluster = await client.DeployClusterAsync(renter, clusterId, r, cancellationToken);
        Say($"deployed cluster {clusterId}: {r.Gpus} x {string.Join(",", r.Models)} in {r.Region}, at most " +
            $"{Iosd(r.MaxPricePerHour ?? 0)} IOSD per GPU-hour for {r.Hours} h; {Iosd(cluster.Held)} IOSD held in escrow");
        return clusterId;
    }

    private static async Task WaitForPlacementAsync(FabricClient client, string clusterId, CancellationToken cancellationToken)
    {
        var cluster = await UntilAsync(PlaceTimeout, $"cluster {clusterId} to be placed", async () =>
            await client.GetClusterAsync(clusterId, cancellationToken) is { Status: not ClusterStatus.Queued } c ? c : null,
            () => "still queued", cancellationToken);
        if (cluster.Status != ClusterStatus.Running)
        {
            throw new InvalidOperationException($"cluster {clusterId} is {cluster.Status}: {cluster.Reason}");
        }

        Say($"cluster {clusterId} placed on " + string.Join(", ", cluster.Members.OrderBy(m => m.Rank).Select(m =>
            $"{m.DeviceId} (rank {m.Rank}, {m.Model}, {m.Region}, {Iosd(m.PricePerHour)} IOSD/h)")));
    }

    private static async Task<JobStatus> WaitForJobAsync(FabricClient client, string jobId, CancellationToken cancellationToken)
    {
        var job = await UntilAsync(JobTimeout, $"job {jobId} to end", async () =>
            await client.GetJobAsync(jobId, cancellationToken) is { Status: JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled } j ? j : null,
            () => "still running", cancellationToken);
        var ranks = job.Attempts.Count > 0 ? job.Attempts[^1].Ranks.Count : 0;
        var took = job is { StartedAt: { } from, EndedAt: { } to } ? $" in {(to - from).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s" : "";
        Say($"job {jobId} {job.Status.ToString().ToLowerInvariant()} (exit {job.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}) " +
            $"on {ranks} rank(s){took}: {job.Reason}");

        // The output: every rank's lines, in the order they were stored.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        var lines = new List<string>();
        try
        {
            await foreach (var chunk in client.StreamLogsAsync(jobId, follow: true, limit.Token))
            {
                // Negative ranks are Fabric's own lines ("[fabric] attempt 1 on ..."), already labelled.
                var label = chunk.Rank >= 0 ? $"[rank {chunk.Rank}] " : "";
                lines.AddRange(chunk.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => label + l.TrimEnd('\r')));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Output still missing after the wait: show what came.
        }

        const int shown = 8;
        foreach (var line in lines.Take(shown))
        {
            Say($"  {line}");
        }

        if (lines.Count > shown)
        {
            Say($"  ... {lines.Count - shown} more line(s): fabric job logs {jobId}");
        }

        return job.Status;
    }

    private static async Task ReleaseAsync(FabricClient client, Keypair renter, string clusterId, CancellationToken cancellationToken)
    {
        var cluster = await client.ReleaseClusterAsync(renter, clusterId, cancellationToken);
        var gpuSeconds = cluster.Members.Concat(cluster.PastMembers)
            .Sum(m => ((m.Until ?? cluster.EndedAt ?? m.Since) - m.Since).TotalSeconds);
        var returned = cluster.Held - cluster.Paid - cluster.Fees;
        Say($"released cluster {clusterId} after {gpuSeconds.ToString("0.0", CultureInfo.InvariantCulture)} GPU-seconds: " +
            $"paid {Iosd(cluster.Paid)} IOSD to the supplier, {Iosd(cluster.Fees)} IOSD payment fee, " +
            $"{Iosd(returned)} of the {Iosd(cluster.Held)} IOSD escrow returned to the renter");
    }

    private void Hints(IReadOnlyList<string> jobs)
    {
        // The CLI finds this silo by itself from the default data folder; anywhere else it needs the gateway.
        var where = Path.GetFullPath(options.DataDir) == Path.GetFullPath(".fabric") && options.GatewayPort == 30000 ? "" : $" --gateway {Gateway}";
        var renterKey = Shown(Path.Combine(Folder, "renter.json"));
        var supplierKey = Shown(Path.Combine(Folder, "supplier.json"));
        string[] commands =
        [
            $"device list{where}",
            $"cluster list -k {renterKey}{where}",
            $"job list -k {renterKey}{where}",
            .. jobs.Take(1).Select(j => $"job logs {j}{where}"),
            $"wallet balance -k {supplierKey}{where}",
            $"job submit --gpus 1 --model \"RTX 4090\" --max-price 0.50 --hours 1 -k {renterKey}{where} --wait -- sh -c 'echo hi from $CUDA_VISIBLE_DEVICES'",
        ];
        Say("try, in another terminal at this folder (fabric = dotnet run --project src/Cli --):");
        foreach (var command in commands)
        {
            Console.Out.WriteLine($"  fabric {command}");
        }
    }

    /// <summary>Polls <paramref name="probe"/> until it gives a value, at most <paramref name="timeout"/>.</summary>
    private static async Task<T> UntilAsync<T>(
        TimeSpan timeout, string what, Func<Task<T?>> probe, Func<string> lastSeen, CancellationToken cancellationToken)
        where T : notnull
    {
        var deadline = Time.GetUtcNow() + timeout;
        while (true)
        {
            if (await probe() is { } done)
            {
                return done;
            }

            if (Time.GetUtcNow() >= deadline)
            {
                throw new TimeoutException($"gave up after {timeout.TotalSeconds:0} s waiting for {what} ({lastSeen()})");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), Time, cancellationToken);
        }
    }

    private static async Task<long> AvailableIosdAsync(FabricClient client, WalletAddress wallet, CancellationToken cancellationToken) =>
        (await client.GetBalancesAsync(wallet, cancellationToken)).FirstOrDefault(b => b.Token == Token.IOSD)?.Available ?? 0;

    private Keypair LoadOrCreateKey(string role)
    {
        var file = Path.Combine(Folder, $"{role}.json");
        if (File.Exists(file))
        {
            var existing = KeypairFile.Read(file);
            Say($"{role} {existing.Address} (key {Shown(file)}, from an earlier run)");
            return existing;
        }

        var created = Keypair.Generate();
        KeypairFile.Write(file, created);
        Say($"{role} {created.Address} (new key {Shown(file)})");
        return created;
    }

    /// <summary>A job's command: a POSIX shell line, or its cmd.exe counterpart on Windows.</summary>
    private static string[] Shell(string posix, string windows) =>
        OperatingSystem.IsWindows() ? ["cmd.exe", "/c", windows] : ["sh", "-c", posix];

    private static string Describe(IReadOnlyList<string> command) =>
        string.Join(' ', command.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));

    private static string Iosd(long baseUnits) =>
        Token.IOSD.FromBaseUnits(baseUnits).ToString("0.00####", CultureInfo.InvariantCulture);

    private static string Seconds(long started) =>
        Stopwatch.GetElapsedTime(started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Shown(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static string Reason(Exception e) => e is FabricRejectedException or TimeoutException or InvalidOperationException
        ? e.Message
        : e.GetBaseException().Message;

    private static void Say(string line) => Console.Out.WriteLine(Prefix + line);

    /// <summary>
    /// One supplier machine of simulated GPUs, served by the worker's own code (<see cref="WorkerService.CreateAgents"/>,
    /// <see cref="WorkerService.ServeAsync"/>) until stopped; stopping kills its job processes still running.
    /// </summary>
    private sealed class SimulatedMachine(Machine spec, SimulatedMachine.Parts parts) : IAsyncDisposable
    {
        /// <summary>What every machine of the supplier shares: the owner's key, the connection, the solver, the host.</summary>
        public sealed record Parts(
            Keypair Supplier, WorkerOptions Options, IDeviceApi Api, Worker.Jobs.IWorkApi Work, IChallengeSolver Solver, HostInfo Host,
            ILoggerFactory LoggerFactory);

        private CancellationTokenSource? _stop;

        public Machine Spec => spec;

        public IReadOnlyList<DeviceAgent> Agents { get; private set; } = [];

        /// <summary>Runs while the machine serves.</summary>
        public Task Serving { get; private set; } = Task.CompletedTask;

        public async Task StartAsync(CancellationToken stoppingToken)
        {
            var source = new SimulatedGpuSource(parts.Supplier.Address, spec.Gpus, spec.Model, vramMib: null, spec.FirstIndex);
            var plan = new WorkerPlan
            {
                Owner = parts.Supplier,
                Source = source,
                Gpus = await source.DiscoverAsync(stoppingToken),
                Host = parts.Host,
                Price = Token.IOSD.ToBaseUnits(spec.Price),
                Region = spec.Region,
            };
            var heartbeats = new GpuHeartbeatSource(source, new NetworkCounters(), Time, parts.LoggerFactory.CreateLogger<GpuHeartbeatSource>());
            Agents = WorkerService.CreateAgents(plan, parts.Host, parts.Options, parts.Api, parts.Solver, heartbeats, Time, parts.LoggerFactory);
            _stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            Serving = WorkerService.ServeAsync(Agents, parts.Work, Path.Combine(parts.Options.WorkDir!, spec.Name),
                parts.Options.AdvertiseAddress, Time, parts.LoggerFactory, _stop.Token);
        }

        public async Task StopAsync()
        {
            if (_stop is null)
            {
                return;
            }

            await _stop.CancelAsync();
            await Serving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var agent in Agents)
            {
                await agent.DisposeAsync();
            }

            _stop.Dispose();
            _stop = null;
        }

        public async ValueTask DisposeAsync() => await StopAsync();
    }
}
