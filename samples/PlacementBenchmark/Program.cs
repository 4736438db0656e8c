// Hosts one Fabric silo in this process with verified simulated devices, then measures placement through the real
// grains: 64 concurrent renters each deploy clusters (signed, escrowed in the SQLite ledger, queued, placed by the
// scheduler: pool query -> score -> leases -> commit) and wait until placed. Single-GPU clusters first, then 8-GPU
// gangs; then checks that no device was placed twice, and measures bare Orleans calls in the same process.
//   dotnet run -c Release --project samples/PlacementBenchmark [-- --devices 100000 --singles 30000 --gangs 3000 --json]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Fabric;
using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Samples.PlacementBenchmark;
using Fabric.Verification;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Extensions.Logging;

var devicesWanted = Arg("--devices", 100_000);
var singles = Arg("--singles", 30_000);
var gangs = Arg("--gangs", 3_000);
var gangSize = Arg("--gang-size", 8);
var warmSingles = Arg("--warm-singles", 5_000);
var warmGangs = Arg("--warm-gangs", 500);
var warmRounds = Arg("--warm-rounds", 2);
var submitters = Arg("--submitters", 64);
var setupConcurrency = Arg("--setup-concurrency", 8);
var registerConcurrency = Arg("--register-concurrency", 512);
var json = args.Contains("--json");
var gcDetail = args.Contains("--gc-detail");
using var allocationSampler = args.Contains("--allocations") ? new AllocationSampler() : null;
if (args.Contains("--help"))
{
    Console.WriteLine("usage: dotnet run -c Release --project samples/PlacementBenchmark [-- --devices N --singles N --gangs N --gang-size N --warm-singles N --warm-gangs N --warm-rounds N --submitters N --register-concurrency N --setup-concurrency N --json --gc-detail --allocations]");
    Console.WriteLine("       dotnet run -c Release --project samples/PlacementBenchmark -- --jobs [--gpus N --count N --warm-jobs N --submitters N --rate R]   (end to end through one real worker process)");
    return 0;
}

if ((long)singles + (long)warmSingles * warmRounds + ((long)gangs + (long)warmGangs * warmRounds) * gangSize > devicesWanted)
{
    Console.Error.WriteLine($"{singles} + {warmRounds} × {warmSingles} (warm-up) single-GPU and {gangs} + {warmRounds} × {warmGangs} (warm-up) × {gangSize}-GPU clusters need more than {devicesWanted} devices.");
    return 64;
}

var clock = Stopwatch.StartNew();
void Progress(string line) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed:mm\\:ss}] {line}"));

if (args.Contains("--jobs"))
{
    // End to end through one real worker process instead of placement.
    var jobsDir = Path.Combine(Path.GetTempPath(), $"fabric-jobbench-{Guid.NewGuid():N}");
    try
    {
        return await JobBench.RunAsync(jobsDir, Arg("--gpus", 4), Arg("--count", 3000), Arg("--warm-jobs", 3000), submitters, Arg("--rate", 0), Progress);
    }
    finally
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(jobsDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp folder.
        }
    }
}

var work = Path.Combine(Path.GetTempPath(), $"fabric-placebench-{Guid.NewGuid():N}");
try
{
    Progress($"starting the silo (temp folder {work}) ...");
    await using var host = await BenchHost.StartAsync(Path.Combine(work, "data"), LogLevel.Error);
    var client = host.Client;
    var networkId = host.Network.Id;
    string[] models = ["RTX 4090", "A100 80GB", "H100 80GB", "L40S"];
    long[] basePrices = [450_000, 1_400_000, 2_200_000, 900_000];
    string[] regions = ["eu", "us-east", "us-west", "asia"];

    // Registration is durable once the device's pool shard writes it, and a shard writes the registrations of 100 ms
    // at once: many are in flight so that they share writes. Connecting and verifying is CPU work (a signature, a
    // challenge solved and checked), done at a concurrency the challenge deadlines allow.
    Progress($"registering {devicesWanted:N0} devices, {registerConcurrency} at a time ...");
    var owners = new Keypair[Math.Max(1, devicesWanted / 100)];
    Parallel.For(0, owners.Length, i => owners[i] = Keypair.Generate());
    var deviceIds = new string[devicesWanted];
    await ForEachAsync(devicesWanted, registerConcurrency, async i =>
    {
        var owner = owners[i % owners.Length];
        var gpuUuid = $"GPU-bench-{i:D7}";
        var id = DeviceIdentity.For(owner.Address, gpuUuid);
        deviceIds[i] = id;
        var price = basePrices[i % models.Length] * (80 + i % 41) / 100 / 1000 * 1000;
        await client.GetGrain<IDeviceGrain>(id).RegisterAsync(Sign(owner, DeviceOperations.Register, new DeviceRegisterPayload(id, gpuUuid,
            models[i % models.Length], 24_576, "8.9", regions[i / models.Length % regions.Length], price, true, "bench", 8, 65_536, "Linux", 1000, 5).Encode()));
    }, done => Progress($"  {done:N0} devices registered"));

    Progress($"connecting and verifying {devicesWanted:N0} devices, {setupConcurrency} at a time ...");
    long verified = 0, failed = 0;
    await ForEachAsync(devicesWanted, setupConcurrency, async i =>
    {
        var owner = owners[i % owners.Length];
        var device = client.GetGrain<IDeviceGrain>(deviceIds[i]);
        // The challenge's deadline is a few milliseconds: a collector pause can miss it, and a worker then reconnects
        // for a fresh one, as a real worker does.
        for (var attempt = 1; ; attempt++)
        {
            var session = await device.ConnectAsync(Sign(owner, DeviceOperations.Connect, new DeviceRefPayload(deviceIds[i]).Encode()));
            var challenge = session.Challenge!;
            var solution = ChallengeSolver.Solve(new ChallengeSpec(challenge.Id, challenge.Seed, challenge.Leaves, challenge.Rounds, challenge.IssuedAt, challenge.Deadline), 1);
            var samples = await device.SubmitChallengeRootAsync(session.Token, challenge.Id, solution.Root.ToArray());
            var outcome = await device.SubmitChallengeOpeningsAsync(session.Token, challenge.Id,
                [.. solution.Open(samples).Select(o => new LeafOpeningData { Index = o.Index, Leaf = o.Leaf.ToArray(), Path = [.. o.Path.Select(p => p.ToArray())] })]);
            if (outcome.Passed || attempt == 3)
            {
                Interlocked.Increment(ref outcome.Passed ? ref verified : ref failed);
                break;
            }
        }
    }, done => Progress($"  {done:N0} devices connected ({Interlocked.Read(ref verified):N0} verified)"));
    Progress($"  {verified:N0} verified, {failed:N0} missed their challenge deadline three times (not placeable)");

    Progress($"funding {submitters} renters ...");
    var renters = Enumerable.Range(0, submitters).Select(_ => Keypair.Generate()).ToArray();
    var ledger = client.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey);
    foreach (var renter in renters)
    {
        await ledger.SubmitAuthorityAsync(Sign(host.Authority, Operations.Mint,
            new MintPayload(renter.Address, "IOSD", 1_000_000_000_000_000, "benchmark funds").Encode()));
    }

    Progress($"bare grain calls: {submitters} callers for 5 s ...");
    var pings = await TimedAsync(submitters, TimeSpan.FromSeconds(5), async (caller, k) => { await client.GetGrain<IPingGrain>(k % 10_000).PingAsync((int)k); });
    Progress($"  {pings.PerSecond:N0} calls/s");

    var clusters = new List<string>();
    // Not measured: the runtime compiles the placement path twice over (quick, then optimised with profile data) in
    // its first seconds, which a silo that has run for minutes has long done. Warm-up runs in rounds, as one round of
    // each kind left the compiler still busy with the path in the measured phases.
    for (var round = 0; round < warmRounds; round++)
    {
        await PlaceAsync("warm-up single-GPU", warmSingles, 1, $"ws{round}-");
        await PlaceAsync($"warm-up {gangSize}-GPU gang", warmGangs, gangSize, $"wg{round}-");
    }
    var single = await PlaceAsync("single-GPU", singles, 1, "s");
    var gang = await PlaceAsync($"{gangSize}-GPU gang", gangs, gangSize, "g");

    Progress($"checking {clusters.Count:N0} clusters for oversubscription ...");
    var held = new Dictionary<string, string>(StringComparer.Ordinal);
    long duplicates = 0, partial = 0, placedGpus = 0;
    foreach (var batch in clusters.Chunk(512))
    {
        foreach (var cluster in await Task.WhenAll(batch.Select(id => client.GetGrain<IClusterGrain>(id).GetAsync())))
        {
            if (cluster!.Members.Count != 0 && cluster.Members.Count != cluster.Spec.Gpus)
            {
                partial++;
            }

            foreach (var member in cluster.Members)
            {
                placedGpus++;
                if (!held.TryAdd(member.DeviceId, cluster.Id))
                {
                    duplicates++;
                }
            }
        }
    }

    var counts = await client.GetGrain<IPoolGrain>(0).CountsAsync();
    var busy = counts.ByStatus.GetValueOrDefault(DeviceStatus.Busy);
    var result = new
    {
        devices = devicesWanted,
        verified,
        submitters,
        bareCallsPerSecond = Math.Round(pings.PerSecond),
        single,
        gang,
        placedGpus,
        devicesPlacedTwice = duplicates,
        partiallyPlacedClusters = partial,
        busyDevicesInPool = busy,
        targets = new[]
        {
            new { target = "single-GPU placements/s", goal = "≥ 5,000", value = single.PerSecond, met = single.PerSecond >= 5_000 },
            new { target = $"{gangSize}-GPU placements/s", goal = "≥ 1,000", value = gang.PerSecond, met = gang.PerSecond >= 1_000 },
            new { target = "devices placed twice", goal = "0", value = (double)duplicates, met = duplicates == 0 && partial == 0 && busy == placedGpus },
        },
    };
    if (json)
    {
        Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
    }
    else
    {
        Console.WriteLine($"devices {devicesWanted:N0} ({verified:N0} verified), {submitters} concurrent submitters, bare grain calls {pings.PerSecond:N0}/s");
        foreach (var phase in new[] { single, gang })
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{phase.Name,-16} {phase.Count,7:N0} clusters in {phase.Seconds,6:0.0} s = {phase.PerSecond,7:N0}/s; submit→placed p50 {phase.P50Ms:0.0} ms, p99 {phase.P99Ms:0.0} ms; ratio to bare calls {phase.PerSecond / pings.PerSecond:0.000}; CPU {phase.Cores:0.00} of {Environment.ProcessorCount} cores, {phase.Cores * phase.Seconds * 1000 / phase.Count:0.00} ms per placement, GC pauses {phase.GcPausedShare:P0}; not placed {phase.NotPlaced}"));
        }

        Console.WriteLine($"oversubscription: {duplicates} devices placed twice, {partial} partial clusters, pool Busy {busy:N0} = placed GPUs {placedGpus:N0}");
        foreach (var t in result.targets)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {t.target,-28} {t.goal,-8} {t.value,10:N0}  {(t.met ? "met" : "NOT met")}"));
        }
    }

    return 0;

    async Task<Phase> PlaceAsync(string name, int count, int gpus, string prefix)
    {
        // Renters sign on their own machines: the requests are signed before the clock starts, so that the silo's two
        // cores are measured placing, not signing for its clients. Submitter s deploys as renter s, one at a time.
        var ids = new string[count];
        var requests = new SignedEnvelope[count];
        Parallel.For(0, count, k =>
        {
            ids[k] = $"{prefix}{k:D7}";
            requests[k] = Sign(renters[k % submitters], RentalOperations.Deploy,
                new ClusterDeployPayload(ids[k], gpus, models[k % models.Length], 0, "", 10_000_000, 1, "IOSD", "normal", false, "").Encode());
        });
        Progress($"{name}: {count:N0} clusters, {submitters} submitters, each deploys and waits until placed ...");
        // What a placement leaves behind (the live heap after a full collection, before and after the phase): what the
        // collector copies up its generations and then marks in every background collection. Diagnostic only: the
        // full collections change the phase's own collections.
        var liveBefore = gcDetail ? GC.GetTotalMemory(forceFullCollection: true) : 0;
        var latencies = new double[count];
        long notPlaced = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var paused = GC.GetTotalPauseDuration();
        var allocated = GC.GetTotalAllocatedBytes();
        allocationSampler?.Start();
        int[] collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitTime = System.Runtime.JitInfo.GetCompilationTime();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(async s =>
        {
            await Task.Yield();
            for (var k = s; k < count; k += submitters)
            {
                var started = Stopwatch.GetTimestamp();
                var cluster = client.GetGrain<IClusterGrain>(ids[k]);
                var deployed = await cluster.DeployAsync(requests[k]);
                var placed = deployed.Status == ClusterStatus.Queued ? await cluster.WaitPlacedAsync(TimeSpan.FromSeconds(20)) : deployed;
                latencies[k] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (placed?.Status != ClusterStatus.Running)
                {
                    Interlocked.Increment(ref notPlaced);
                }
            }
        }));
        var seconds = watch.Elapsed.TotalSeconds;
        // Whether the phase was bound by the cores or by waiting: the process's CPU time over the phase's wall time.
        var cores = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds / seconds;
        // The collector's share: the time it paused the process, and what a placement allocated (its work grows with it).
        var gcShare = (GC.GetTotalPauseDuration() - paused).TotalSeconds / seconds;
        var kibPerPlacement = (GC.GetTotalAllocatedBytes() - allocated) / 1024.0 / count;
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
        var compiling = System.Runtime.JitInfo.GetCompilationTime() - jitTime;
        var byGeneration = string.Join("/", Enumerable.Range(0, 3).Select(g => GC.CollectionCount(g) - collections[g]));
        if (gcDetail)
        {
            Progress(string.Create(CultureInfo.InvariantCulture,
                $"    live heap after a full collection grew by {(GC.GetTotalMemory(forceFullCollection: true) - liveBefore) / 1024.0 / count:N1} KiB per placement"));
            foreach (var kind in new[] { GCKind.Ephemeral, GCKind.FullBlocking, GCKind.Background })
            {
                var info = GC.GetGCMemoryInfo(kind);
                Progress(string.Create(CultureInfo.InvariantCulture,
                    $"    last {kind}: #{info.Index} gen{info.Generation} compacted {info.Compacted} pause {info.PauseDurations[0].TotalMilliseconds:0.0} ms heap {info.HeapSizeBytes / 1048576.0:0} MB fragmented {info.FragmentedBytes / 1048576.0:0} MB promoted {info.PromotedBytes / 1048576.0:0.0} MB gens {string.Join(" / ", info.GenerationInfo.ToArray().Select(g => $"{g.SizeBeforeBytes / 1048576.0:0}->{g.SizeAfterBytes / 1048576.0:0}"))}"));
            }
        }
        foreach (var (type, share) in allocationSampler?.Stop(25) ?? [])
        {
            Progress(string.Create(CultureInfo.InvariantCulture, $"    {share,6:P1} {type}"));
        }

        clusters.AddRange(ids);
        // Lease races, after the clock: how many placements needed more than one try, and how many reserves their
        // final tries had refused (a device another placement took first).
        long retried = 0, refused = 0;
        foreach (var batch in ids.Chunk(512))
        {
            foreach (var report in await Task.WhenAll(batch.Select(id => client.GetGrain<IClusterGrain>(id).ExplainAsync())))
            {
                retried += report is { Attempts: > 1 } ? 1 : 0;
                refused += report?.Candidates.Count(c => c.Outcome.StartsWith("reserve refused", StringComparison.Ordinal)) ?? 0;
            }
        }

        Array.Sort(latencies);
        var phase = new Phase(name, count, seconds, (count - notPlaced) / seconds, latencies[count / 2], latencies[Math.Min(count - 1, (int)(count * 0.99))], notPlaced, cores, gcShare, kibPerPlacement);
        Progress(string.Create(CultureInfo.InvariantCulture, $"  {phase.PerSecond:N0} placements/s, p50 {phase.P50Ms:0.0} ms, p99 {phase.P99Ms:0.0} ms, CPU {cores:0.00} cores = {cores * seconds * 1000 / count:0.00} ms per placement (paused for GC {gcShare:P0} of the time; collections gen0/1/2 {byGeneration}), {kibPerPlacement:N0} KiB allocated per placement, {retried:N0} retried, {refused:N0} reserves refused, not placed {notPlaced}; {compiled:N0} methods compiled in {compiling.TotalMilliseconds:N0} ms"));
        return phase;
    }

    SignedEnvelope Sign(Keypair signer, string operation, byte[] payload) => Envelopes.Sign(signer, networkId, operation, payload);
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
        // Best effort: a temp folder.
    }
}

int Arg(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], CultureInfo.InvariantCulture, out var value) ? value : fallback;
}

static async Task ForEachAsync(int count, int concurrency, Func<int, Task> body, Action<long> progress)
{
    long next = -1, done = 0;
    using var timer = new Timer(_ => progress(Interlocked.Read(ref done)), null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        await Task.Yield();
        long i;
        while ((i = Interlocked.Increment(ref next)) < count)
        {
            await body((int)i);
            Interlocked.Increment(ref done);
        }
    }));
}

static async Task<(double PerSecond, long Calls)> TimedAsync(int concurrency, TimeSpan duration, Func<int, long, Task> call)
{
    long calls = 0;
    var stop = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async c =>
    {
        await Task.Yield();
        while (stop.Elapsed < duration)
        {
            await call(c, Interlocked.Increment(ref calls));
        }
    }));
    return (calls / stop.Elapsed.TotalSeconds, calls);
}

internal sealed record Phase(string Name, int Count, double Seconds, double PerSecond, double P50Ms, double P99Ms, long NotPlaced, double Cores, double GcPausedShare, double KibPerPlacement);
