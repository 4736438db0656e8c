using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fabric.Samples.PoolBenchmark;

/// <summary>Facts about the machine and the arrangement that explain the figures.</summary>
internal sealed record MachineFacts(int Cores, string Os, string Runtime, string Gc, string Storage, string Client)
{
    public static MachineFacts Here(string storage) => new(Environment.ProcessorCount, RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        $"{(GCSettings.IsServerGC ? "server" : "workstation")}{(GCSettings.LatencyMode == GCLatencyMode.Batch ? "" : ", concurrent")}"
        + $", LOHThreshold {Setting("GCLOHThreshold", "System.GC.LOHThreshold") ?? "default"}, ConserveMemory {Setting("GCConserveMemory", "System.GC.ConserveMemory") ?? "0"}",
        storage,
        "the silo's own hosted IClusterClient in the same process (no network hop, no serialization; calls enter as client "
        + "calls); the driver holds one grain reference per device, as a worker connection would");

    /// <summary>A GC setting as the runtime read it: the environment (hexadecimal) wins over runtimeconfig.json.</summary>
    private static string? Setting(string environment, string runtimeConfig) =>
        Environment.GetEnvironmentVariable($"DOTNET_{environment}") is { } hex
            ? $"0x{hex} (environment)"
            : AppContext.GetData(runtimeConfig)?.ToString();
}

/// <summary>One issue target, its figure, and whether the figure meets it.</summary>
internal sealed record Target(string What, string Goal, double Value, string Unit, bool Met);

/// <summary>Everything one run measured.</summary>
internal sealed record BenchmarkReport(
    MachineFacts Machine, int Devices, int Owners, PhaseResult Register, PhaseResult Connect, PhaseResult Heartbeats, PhaseResult Pings,
    double HeartbeatToBareRatio, PhaseResult QueriesIdle, double QueryMatchesAverage, PhaseResult? QueriesLoaded, PhaseResult? HeartbeatsDuringQueries,
    IReadOnlyList<MemorySnapshot> Memory, double RssBytesPerDevice, double HeapBytesPerDevice, double HeapBytesPerBareActivation,
    long DriverBytes, IReadOnlyDictionary<string, int> DeviceStatuses, IReadOnlyList<Target> Targets, bool FairTurns)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public string ToTable()
    {
        var s = new StringBuilder();
        void Line(FormattableString text) => s.AppendLine(text.ToString(CultureInfo.InvariantCulture));
        void Row(string what, PhaseResult p) => Line(
            $"{what,-30}{p.Calls,10:N0}{p.Concurrency,6}{p.Seconds,8:0.0}{p.PerSecond,10:N0}{p.MeanMs,9:0.00}{p.P50Ms,9:0.00}{p.P99Ms,9:0.00}{p.MaxMs,9:0.0}{p.CpuUsPerCall,9:0.0}{p.AllocatedBytesPerCall,11:N0}{p.Errors,7}");

        Line($"Fabric pool benchmark: {Devices:N0} simulated devices ({Owners:N0} owners) in one silo");
        Line($"machine: {Machine.Cores} cores, {Machine.Os}, {Machine.Runtime}, {Machine.Gc} GC");
        Line($"storage: {Machine.Storage}");
        Line($"client:  {Machine.Client}");
        s.AppendLine();
        Line($"{"phase",-30}{"calls",10}{"conc",6}{"sec",8}{"per sec",10}{"mean ms",9}{"p50 ms",9}{"p99 ms",9}{"max ms",9}{"cpu µs",9}{"alloc B",11}{"errors",7}");
        Row("register (signed)", Register);
        Row("connect (signed)", Connect);
        Row("heartbeats", Heartbeats);
        Row("bare grain calls (ping)", Pings);
        Row("pool queries, idle silo", QueriesIdle);
        if (QueriesLoaded is not null && HeartbeatsDuringQueries is not null)
        {
            Row("pool queries, heartbeats at rate", QueriesLoaded);
            Row("  heartbeats meanwhile", HeartbeatsDuringQueries);
        }

        Line($"  (cpu µs and alloc B are the whole process's, per call; queries matched {QueryMatchesAverage:N0} devices on average)");
        if (!FairTurns)
        {
            Line($"  (closed loops at full CPU: most callers wait while a few run back to back from the thread pool's LIFO queues, so their");
            Line($"   p50/p99 are not service latencies; the heartbeats at the fleet's rate are)");
        }
        s.AppendLine();
        Line($"{"phase",-30}{"cores busy",11}{"(machine)",10}{"GC pause %",11}{"gen0/1/2 GCs",14}{"lock waits",11}{"pool threads",13}");
        foreach (var p in new[] { Heartbeats, Pings, QueriesIdle, QueriesLoaded, HeartbeatsDuringQueries }.OfType<PhaseResult>())
        {
            Line($"{p.Name,-30}{p.CoresBusy,11:0.00}{p.MachineCoresBusy,10:0.00}{p.GcPausePercent,11:0.0}{$"{p.Gen0}/{p.Gen1}/{p.Gen2}",14}{p.LockContentions,11:N0}{p.ThreadPoolThreads,13}");
        }

        Line($"  (machine: every process's CPU; more than this process's means something else shared the {Machine.Cores} cores)");

        s.AppendLine();
        Line($"heartbeat ÷ bare call rate = {HeartbeatToBareRatio:0.000}");
        Line($"silo calls per heartbeat: {PerCall(Heartbeats)}");
        Line($"device statuses after the heartbeats: {string.Join(", ", DeviceStatuses.Select(p => $"{p.Key} {p.Value:N0}"))}");
        s.AppendLine();
        Line($"{"memory, MB (after a full GC)",-36}{"RSS",8}{"GC heap",9}{"live",8}{"GC commit",10}{"private",9}{"peak RSS",9}");
        foreach (var m in Memory)
        {
            Line($"{m.Point,-36}{m.RssMb,8:0}{m.GcHeapMb,9:0}{m.LiveMb,8:0}{m.GcCommittedMb,10:0}{m.PrivateMb,9:0}{m.PeakRssMb,9:0}");
        }

        Line($"per device: {RssBytesPerDevice:N0} B of RSS, {HeapBytesPerDevice:N0} B of live GC heap (a bare Orleans activation: {HeapBytesPerBareActivation:N0} B)");
        Line($"of which the driver's own (owner keys, ids, sessions, grain references): {DriverBytes / 1024.0 / 1024.0:0.0} MB of the GC heap");
        s.AppendLine();
        Line($"{"target",-48}{"goal",10}{"measured",14}  result");
        foreach (var t in Targets)
        {
            Line($"{t.What,-48}{t.Goal,10}{t.Value.ToString("0.###", CultureInfo.InvariantCulture) + " " + t.Unit,14}  {(t.Met ? "met" : "NOT met")}");
        }

        return s.ToString();
    }

    private static string PerCall(PhaseResult p) => p.SiloCalls.Count == 0
        ? "not counted"
        : string.Join(", ", p.SiloCalls.Take(6).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {(double)c.Value / Math.Max(1, p.Calls):0.000}")));
}
