using System.Diagnostics;
using System.Globalization;
using Fabric;
using Fabric.Devices;
using Fabric.Economy;
using Fabric.Governance;
using Fabric.Ledger;
using Fabric.Rewards;
using Fabric.Samples.RewardBenchmark;
using Fabric.Storage;
using Fabric.Wallet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

// One epoch's reward distribution over N devices (default 100,000 of 12,500 owners, 8 GPUs each), in one in-process
// silo: the pool shards (16) hold every device and count its uptime from two heartbeats; the reward grain reads the
// hour from the shards, splits it, writes the plan (device shares, wallet payouts) to the reward tables and mints one
// ledger event per wallet, all on a real SQLite file (synchronous FULL, as src/Silo runs). Grain state (the shards'
// summaries, the reward cursor) is Orleans' in-memory storage: filling 100,000 devices through SQLite grain storage
// takes minutes and is not what is measured. Devices are put into the shards through the shard's own API (upsert,
// open a session, heartbeats), not registered with signatures, and no device grain is activated.
var devices = Arg("--devices", 100_000);
var owners = Arg("--owners", 12_500);
var dataDir = Path.Combine(Path.GetTempPath(), $"fabric-reward-bench-{Guid.NewGuid():N}");
var storage = FabricStorage.Sqlite(dataDir);
Directory.CreateDirectory(dataDir);
await SchemaMigrator.ApplyAsync(storage);

var hour = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
var clock = new BenchClock(hour.AddMinutes(-1));
var progress = new BenchProgress();
var pool = new PoolOptions { SweepInterval = Timeout.InfiniteTimeSpan };
var rewards = new RewardOptions();
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("Fabric.Rewards", LogLevel.Information);
builder.Services.AddKeyedSingleton<TimeProvider>(FabricClock.Key, clock);
builder.Services.AddSingleton<GrainReferences>();
builder.Services.AddSingleton(Options.Create(new NetworkOptions { Id = "fabric-bench" }));
builder.Services.AddSingleton(Options.Create(new FeeOptions()));
builder.Services.AddSingleton(Options.Create(pool));
builder.Services.AddSingleton(new LedgerStore(storage));
builder.Services.AddSingleton<IRewardProgress>(progress);
builder.Services.AddFabricRewards(new EmissionOptions(), rewards, storage);
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort(), serviceId: "fabric-bench", clusterId: "fabric-bench");
    silo.AddMemoryGrainStorage("fabric", ob => ob.Configure<Serializer>((o, serializer) =>
    {
        o.NumStorageGrains = 16;
        o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
    }));
    // A run over 100,000 distinct wallets mints for over a minute: past Orleans' 30 s default wait for a reply.
    silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10));
    // No SiloOnlyCallFilter: the driver below is the silo's own hosted client and calls the shards and the run directly.
});
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IClusterClient>();
var schedule = host.Services.GetRequiredService<EmissionSchedule>();
var reward = grains.GetGrain<IRewardGrain>(IRewardGrain.NetworkKey);

Console.Error.WriteLine($"fill: {devices:N0} devices of {owners:N0} owners into {pool.Shards} shards");
var fill = Stopwatch.StartNew();
var ownerAddresses = Enumerable.Range(0, owners).Select(_ => Keypair.Generate().Address.ToString()).ToArray();
var tiers = new[] { DeviceTier.Low, DeviceTier.Medium, DeviceTier.High, DeviceTier.Ultra };
var ids = Enumerable.Range(0, devices).Select(i => $"gpu-bench-{i:D7}").ToArray();
var sessions = ids.Select(_ => Guid.NewGuid()).ToArray();
await InBatchesAsync(devices, i => grains.GetGrain<IPoolShardGrain>(PoolShards.Of(ids[i], pool.Shards)).UpsertAsync(new DeviceSummary
{
    Id = ids[i], Owner = ownerAddresses[i % owners], Model = "RTX 4090", VramMib = 24_564, FreeVramMib = 24_564, Region = "eu",
    PricePerHourBaseUnits = 450_000, Status = DeviceStatus.Online, Tier = tiers[i % tiers.Length], Reputation = 50, LoadPct = 0,
    GpusFree = 1, Simulated = true, Name = "RTX 4090",
}));
// The shards woke (above) before the measured hour; the stream's first run, in it, makes it the first epoch.
clock.Now = hour;
await reward.RunDueAsync();
clock.Now = hour.AddSeconds(1);
await InBatchesAsync(devices, i => grains.GetGrain<IPoolShardGrain>(PoolShards.Of(ids[i], pool.Shards))
    .OpenSessionAsync(new DeviceSummary
    {
        Id = ids[i], Owner = ownerAddresses[i % owners], Model = "RTX 4090", VramMib = 24_564, FreeVramMib = 24_564, Region = "eu",
        PricePerHourBaseUnits = 450_000, Status = DeviceStatus.Online, Tier = tiers[i % tiers.Length], Reputation = 50, LoadPct = 0,
        GpusFree = 1, Simulated = true, Name = "RTX 4090",
    }, sessions[i], DateTimeOffset.MaxValue));
var beat = new Heartbeat { UtilizationPct = 50, TemperatureC = 60, PowerW = 300, FreeVramMib = 20_480, BytesIn = 0, BytesOut = 0 };
// Two heartbeats: 5 s and 5 + (1..15) s of uptime, so devices' uptime differs as well as their tiers.
clock.Now = hour.AddSeconds(6);
await InBatchesAsync(devices, i => grains.GetGrain<IPoolShardGrain>(PoolShards.Of(ids[i], pool.Shards)).HeartbeatAsync(ids[i], sessions[i], beat));
foreach (var extra in Enumerable.Range(1, 15))
{
    clock.Now = hour.AddSeconds(6 + extra);
    await InBatchesAsync(devices / 15 + 1, j => j * 15 + extra - 1 < devices
        ? grains.GetGrain<IPoolShardGrain>(PoolShards.Of(ids[j * 15 + extra - 1], pool.Shards)).HeartbeatAsync(ids[j * 15 + extra - 1], sessions[j * 15 + extra - 1], beat)
        : Task.CompletedTask);
}

Console.Error.WriteLine($"fill: {fill.Elapsed.TotalSeconds:0.0} s");
clock.Now = hour.AddHours(1) + rewards.Grace;

// The shards' part alone: each reads its devices' counts for the hour (in memory, no storage), at the live tier weights.
var weights = (await grains.GetGrain<IParametersGrain>(IParametersGrain.NetworkKey).GetAsync()).RewardWeights();
var read = Stopwatch.StartNew();
var tallies = await Task.WhenAll(Enumerable.Range(0, pool.Shards).Select(s => grains.GetGrain<IPoolShardGrain>(s).UptimeAsync(hour, weights)));
read.Stop();
var counted = tallies.Sum(t => t.Devices.Count);
tallies = null;

Collect();
var rssBefore = Environment.WorkingSet;
var heapBefore = GC.GetTotalMemory(forceFullCollection: false);
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
var gen2Before = GC.CollectionCount(2);
var head = await grains.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).GetHeadAsync();
progress.Reset();
var run = Stopwatch.StartNew();
var start = Stopwatch.GetTimestamp();
var epochs = await grains.GetGrain<IRewardGrain>(IRewardGrain.NetworkKey).RunDueAsync();
run.Stop();
var end = Stopwatch.GetTimestamp();
var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
var gen2 = GC.CollectionCount(2) - gen2Before;
var peakRss = PeakRss();
var rssAfter = Environment.WorkingSet;
Collect();
var heapAfter = GC.GetTotalMemory(forceFullCollection: false);

var measured = epochs.Single(e => e.HourStart == hour);
var again = await reward.RunDueAsync();
var verify = Stopwatch.StartNew();
var verification = await grains.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).VerifyAsync();
verify.Stop();
var newEvents = await grains.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).GetHeadAsync() - head;

double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
    devices {devices:N0}, owners {owners:N0}, shards {pool.Shards}; devices counted by the shards {counted:N0}
    shards' hour read (16 calls, in memory):           {read.Elapsed.TotalMilliseconds:N0} ms
    epoch {measured.Epoch} ({measured.HourStart:u}): issued {measured.Issuance:N0}, GPU pool {measured.GpuPool:N0}, minted {measured.Distributed:N0} base units
      to {measured.Devices:N0} devices of {measured.Owners:N0} wallets; ledger events added {newEvents:N0}; complete {measured.Complete}
    whole run (epochs run: {epochs.Count}):               {run.Elapsed.TotalSeconds:N2} s
      read + split + plan write (to first mint):       {Ms(start, progress.FirstMintTimestamp):N0} ms
      {progress.Mints:N0} mints:                                 {Ms(progress.FirstMintTimestamp, progress.LastMintTimestamp) / 1000:N2} s ({progress.Mints / Math.Max(0.001, Ms(progress.FirstMintTimestamp, progress.LastMintTimestamp) / 1000):N0}/s)
      mark applied + totals + cursor:                  {Ms(progress.LastMintTimestamp, end):N0} ms
    memory: allocated during the run {allocated / 1048576.0:N0} MiB; gen-2 collections {gen2}; managed heap {heapBefore / 1048576.0:N0} -> {heapAfter / 1048576.0:N0} MiB (after full GC)
            RSS {rssBefore / 1048576.0:N0} MiB before, {rssAfter / 1048576.0:N0} MiB after, process peak {peakRss / 1048576.0:N0} MiB
    run again: {again.Count} epochs; ledger verify: {(verification.Ok ? "ok" : string.Join("; ", verification.Problems))} ({verification.Events:N0} events, {verify.Elapsed.TotalSeconds:N1} s)
    """));

await host.StopAsync();
Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
Directory.Delete(dataDir, recursive: true);
return verification.Ok && again.Count == 0 && measured.Distributed == measured.GpuPool ? 0 : 1;

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static async Task InBatchesAsync(int count, Func<int, Task> call)
{
    const int Batch = 4_096;
    for (var start = 0; start < count; start += Batch)
    {
        var tasks = new Task[Math.Min(Batch, count - start)];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = call(start + i);
        }

        await Task.WhenAll(tasks);
    }
}

static int FreePort()
{
    var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}

static void Collect()
{
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
}

static long PeakRss()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
    }

    return 0;
}
