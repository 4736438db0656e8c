// Hosts one Fabric silo in this process, registers and connects simulated devices with signed requests, and measures
// memory per device, heartbeat ingest against the bare Orleans grain-call rate in the same run, and pool query latency.
//   dotnet run -c Release --project samples/PoolBenchmark [-- --devices 100000 --concurrency 512 --json]
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Fabric;
using Fabric.Devices;
using Fabric.Samples.PoolBenchmark;

var options = BenchmarkOptions.Parse(args, out var error);
if (options is null)
{
    if (!string.IsNullOrEmpty(error))
    {
        Console.Error.WriteLine(error);
    }

    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return string.IsNullOrEmpty(error) ? 0 : 64;
}

using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    // Let the run unwind: the finally below stops the silo and deletes the temp folder.
    context.Cancel = true;
    stop.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

var started = Stopwatch.StartNew();
void Progress(string line) =>
    // Standard error, so that standard output is only the table or the JSON.
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{started.Elapsed:mm\\:ss}] {line}"));

var deviceGrainsActive = 0;
MemorySnapshot? justCollected = null; // memory when the idle device grains were just collected
var work = Path.Combine(Path.GetTempPath(), $"fabric-poolbench-{Guid.NewGuid():N}");
BenchSilo? silo = null;
try
{
    Progress($"generating {options.Devices:N0} devices for {options.Owners:N0} owners ...");
    var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
    var fleet = new Fleet(options.Devices, options.Owners);
    var driverBytes = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
    var n = fleet.Count;

    Progress($"starting the silo (grain storage \"fabric\": {options.Storage}; temp folder {work}) ...");
    silo = await BenchSilo.StartAsync(options, Path.Combine(work, "data"), stop.Token);
    var client = silo.Client;
    var networkId = silo.Network.Id;
    var calls = silo.Calls;
    var pool = client.GetGrain<IPoolGrain>(0);
    // A worker's connection holds its device's grain reference; so does the driver (GetGrain resolves the interface
    // type by reflection on every call, which would otherwise dominate the driver's CPU).
    heapBefore = GC.GetTotalMemory(forceFullCollection: true);
    var devices = new IDeviceGrain[n];
    for (var i = 0; i < n; i++)
    {
        devices[i] = client.GetGrain<IDeviceGrain>(fleet.Ids[i]);
    }

    driverBytes += GC.GetTotalMemory(forceFullCollection: true) - heapBefore;

    await client.GetGrain<IPingGrain>("warm").PingAsync(0);
    await pool.CountsAsync(); // activates the shards, as a running silo has them
    var memory = new List<MemorySnapshot> { MemorySnapshot.Take("silo started, no devices") };

    Progress($"(1) registering {n:N0} devices, {options.SetupConcurrency} in flight ...");
    var register = await Load.EachAsync("register", n, options.SetupConcurrency,
        i => devices[i].RegisterAsync(fleet.RegisterRequest(i, networkId)), calls, Progress, stop.Token);
    RequireNoErrors(register);
    memory.Add(MemorySnapshot.Take("registered"));

    Progress($"(2) connecting {n:N0} devices ...");
    long lastDeadlineTicks = 0;
    var connect = await Load.EachAsync("connect", n, options.SetupConcurrency, async i =>
    {
        var session = await devices[i].ConnectAsync(fleet.ConnectRequest(i, networkId));
        fleet.Sessions[i] = session.Token;
        fleet.Shards[i] = session.Shard;
        if (session.Challenge is { } challenge)
        {
            InterlockedMax(ref lastDeadlineTicks, challenge.Deadline.UtcTicks);
        }
    }, calls, Progress, stop.Token);
    RequireNoErrors(connect);
    memory.Add(MemorySnapshot.Take("connected"));

    // Connect sent each device a verification challenge that it will not answer: once its deadline passes, the
    // device's next heartbeat fails it (one write and one publish). Let every deadline pass, so that all of those
    // happen in the warm-up (two passes over every device), and the measured window is the steady state.
    var wait = new DateTimeOffset(lastDeadlineTicks, TimeSpan.Zero) - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
    if (wait > TimeSpan.Zero)
    {
        Progress($"  waiting {wait.TotalSeconds:0.0} s for the last challenge deadline ...");
        await Task.Delay(wait, stop.Token);
    }

    var shards = Enumerable.Range(0, silo.Pool.Shards).Select(s => client.GetGrain<IPoolShardGrain>(s)).ToArray();
    var clock = Stopwatch.StartNew();
    Task Heartbeat(long k)
    {
        var i = (int)(k % n);
        // As a worker does: to the pool shard its session named.
        return shards[fleet.Shards[i]].HeartbeatAsync(fleet.Ids[i], fleet.Sessions[i], fleet.Beat(i, options.UtilJitter, clock.ElapsedMilliseconds));
    }

    Progress($"(3) heartbeats round-robin, {options.Concurrency} in flight: warm-up {options.WarmupSeconds} s and at least two passes over every device, then {options.DurationSeconds} s measured ...");
    var heartbeats = await Load.TimedAsync("heartbeats", options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), 2L * n,
        TimeSpan.FromSeconds(options.DurationSeconds), Heartbeat, calls, Progress, stop.Token, yieldBetweenCalls: options.Yield);
    Progress(string.Create(CultureInfo.InvariantCulture, $"  {heartbeats.PerSecond:N0} heartbeats/s, p50 {heartbeats.P50Ms:0.00} ms, p99 {heartbeats.P99Ms:0.00} ms"));
    // Steady state: devices keep beating at the fleet's rate while their grains, idle since connect, are collected
    // (DeviceGrain.IdleMinutes, checked once per collection quantum). Measure memory in that state, as a silo runs.
    var settleRate = n / silo.Pool.HeartbeatInterval.TotalSeconds;
    // Collection takes a while after the age limit: the collector deactivates each quantum's grains as one batch.
    var settleLimit = TimeSpan.FromMinutes((2 * DeviceGrain.IdleMinutes) + 4);
    Progress($"(3b) heartbeats at {settleRate:N0}/s until idle device grains are collected (at most {settleLimit.TotalMinutes:0} min) ...");
    using (var settled = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
    {
        var settle = Load.TimedAsync("heartbeats (settling)", options.Concurrency, TimeSpan.Zero, 0, settleLimit, Heartbeat, calls, _ => { },
            settled.Token, ratePerSecond: settleRate);
        var management = client.GetGrain<Orleans.Runtime.IManagementGrain>(0);
        var waited = Stopwatch.StartNew();
        while (!settle.IsCompleted)
        {
            await Task.WhenAny(settle, Task.Delay(TimeSpan.FromSeconds(10), stop.Token));
            var active = await DeviceActivationsAsync(management);
            Progress($"  {waited.Elapsed.TotalSeconds:0} s: {active:N0} device grains active");
            if (active <= n / 100)
            {
                break;
            }
        }

        // The collector returns what the collected grains held over the next collections, not at once: measure as it
        // was just after they went, then after the silo ran on at the fleet's rate for a while (the target: a running
        // silo's steady state).
        justCollected = MemorySnapshot.Take($"  grain collection just ended ({await DeviceActivationsAsync(management):N0} active)");
        if (options.SettleSeconds > 0)
        {
            Progress($"  heartbeats go on for {options.SettleSeconds} s before memory is measured ...");
            await Task.WhenAny(settle, Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds), stop.Token));
        }

        settled.Cancel();
        try
        {
            await settle;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
        }

        deviceGrainsActive = await DeviceActivationsAsync(management);
    }

    var counts = await pool.CountsAsync();
    memory.Add(MemorySnapshot.Take($"registered + heartbeats (target; {deviceGrainsActive:N0} device grains active, {options.SettleSeconds} s after collection)"));
    memory.Add(MemorySnapshot.Take("  same, after an aggressive GC", aggressive: true));
    if (options.HoldSeconds > 0)
    {
        Progress($"  holding {options.HoldSeconds} s (process {Environment.ProcessId}) ...");
        await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds), stop.Token);
    }

    Progress($"(5) {options.Queries:N0} pool queries, one at a time ...");
    var random = new Random(42);
    for (var q = 0; q < 200; q++)
    {
        await pool.QueryAsync(Queries.Make(q, random));
    }

    long matched = 0;
    var queriesIdle = await Load.EachAsync("queries", options.Queries, 1, async q =>
    {
        var page = await pool.QueryAsync(Queries.Make(q, random));
        Interlocked.Add(ref matched, page.Total);
    }, calls, Progress, stop.Token);
    RequireNoErrors(queriesIdle);

    PhaseResult? queriesLoaded = null;
    PhaseResult? heartbeatsMeanwhile = null;
    if (options.LoadedSeconds > 0)
    {
        var rate = options.LoadedRate > 0 ? options.LoadedRate : n / silo.Pool.HeartbeatInterval.TotalSeconds;
        Progress($"(5b) pool queries one at a time for {options.LoadedSeconds} s while heartbeats arrive at {rate:N0}/s (every device every {n / rate:0.#} s) ...");
        var background = Load.TimedAsync("heartbeats (under queries)", options.Concurrency, TimeSpan.FromSeconds(2), 0,
            TimeSpan.FromSeconds(options.LoadedSeconds), Heartbeat, calls, _ => { }, stop.Token, ratePerSecond: rate);
        await Task.Delay(TimeSpan.FromSeconds(2), stop.Token);
        queriesLoaded = await Load.EachAsync("queries (under heartbeats)", int.MaxValue, 1,
            q => pool.QueryAsync(Queries.Make(q, random)), calls, Progress, stop.Token, keepGoing: () => !background.IsCompleted);
        RequireNoErrors(queriesLoaded);
        heartbeatsMeanwhile = await background;
    }

    Progress($"(4) bare grain calls: IPingGrain.PingAsync over {n:N0} string keys (the device ids), {options.Concurrency} in flight, same warm-up and duration ...");
    var pingers = new IPingGrain[n];
    for (var i = 0; i < n; i++)
    {
        pingers[i] = client.GetGrain<IPingGrain>(fleet.Ids[i]);
    }

    var pings = await Load.TimedAsync("pings", options.Concurrency, TimeSpan.FromSeconds(options.WarmupSeconds), n,
        TimeSpan.FromSeconds(options.DurationSeconds), k => pingers[(int)(k % n)].PingAsync((int)k), calls, Progress, stop.Token,
        yieldBetweenCalls: options.Yield);
    Progress(string.Create(CultureInfo.InvariantCulture, $"  {pings.PerSecond:N0} pings/s, p50 {pings.P50Ms:0.00} ms, p99 {pings.P99Ms:0.00} ms"));
    memory.Add(MemorySnapshot.Take($"+ {n:N0} bare ping activations"));
    memory.Add(MemorySnapshot.Take("  same, after an aggressive GC", aggressive: true));

    var baseline = memory[0];
    var target = memory[3];
    if (justCollected is not null)
    {
        memory.Insert(3, justCollected);
        target = memory[4];
    }

    var rssPerDevice = (target.RssMb - baseline.RssMb) * 1024 * 1024 / n;
    var heapPerDevice = (target.LiveMb - baseline.LiveMb) * 1024 * 1024 / n;
    var heapPerPing = (memory[^1].LiveMb - memory[memory.IndexOf(target) + 1].LiveMb) * 1024 * 1024 / n;
    var ratio = heartbeats.PerSecond / pings.PerSecond;
    var targets = new List<Target>
    {
        new($"RSS with {n:N0} devices", "≤ 500", target.RssMb, "MB", target.RssMb <= 500),
        new("heartbeat ingest", "≥ 50,000", heartbeats.PerSecond, "/s", heartbeats.PerSecond >= 50_000),
        new("heartbeat ÷ bare grain calls", "≥ 0.3", ratio, "", ratio >= 0.3),
        new("pool query p99 (idle silo)", "≤ 20", queriesIdle.P99Ms, "ms", queriesIdle.P99Ms <= 20),
    };
    if (queriesLoaded is not null)
    {
        targets.Add(new Target("pool query p99 (at the fleet's heartbeat rate)", "≤ 20", queriesLoaded.P99Ms, "ms", queriesLoaded.P99Ms <= 20));
    }

    var report = new BenchmarkReport(MachineFacts.Here(silo.StorageDescription),
        n, options.Owners, register, connect, heartbeats, pings, ratio, queriesIdle, (double)matched / Math.Max(1, queriesIdle.Calls),
        queriesLoaded, heartbeatsMeanwhile, memory, rssPerDevice, heapPerDevice, heapPerPing, driverBytes,
        counts.ByStatus.OrderBy(p => p.Key).ToDictionary(p => p.Key.ToString(), p => p.Value, StringComparer.Ordinal), targets, options.Yield);
    Console.WriteLine(options.Json ? report.ToJson() : report.ToTable());
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("Stopped; the silo is stopped and the temp folder removed.");
    return 130;
}
catch (BenchmarkException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
finally
{
    if (silo is not null)
    {
        Progress("stopping the silo ...");
        await silo.DisposeAsync();
    }

    try
    {
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
    }
    catch (IOException e)
    {
        Console.Error.WriteLine($"Could not remove {work}: {e.Message}");
    }
}

static void InterlockedMax(ref long target, long value)
{
    long seen;
    while (value > (seen = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
    {
    }
}

static async Task<int> DeviceActivationsAsync(Orleans.Runtime.IManagementGrain management) =>
    (await management.GetSimpleGrainStatistics())
        .Where(s => s.GrainType.Contains(nameof(DeviceGrain), StringComparison.Ordinal))
        .Sum(s => s.ActivationCount);

static void RequireNoErrors(PhaseResult phase)
{
    if (phase.Errors > 0)
    {
        throw new BenchmarkException($"{phase.Name}: {phase.Errors} of {phase.Calls + phase.Errors} calls failed, e.g. {phase.FirstError}");
    }
}
