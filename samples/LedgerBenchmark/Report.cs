using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Fabric.Samples.LedgerBenchmark;

/// <summary>Facts about the machine that explain the figures.</summary>
internal sealed record MachineFacts(int Cores, string Os, string Runtime, string TempFolder, string? FileSystem)
{
    public static MachineFacts Here(string folder) => new(Environment.ProcessorCount, RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription, folder, FileSystemOf(folder));

    /// <summary>The file system type holding <paramref name="folder"/> (Linux, from /proc/mounts), or null.</summary>
    private static string? FileSystemOf(string folder)
    {
        try
        {
            var full = Path.GetFullPath(folder);
            return File.ReadLines("/proc/mounts")
                .Select(l => l.Split(' '))
                .Where(f => f.Length > 2 && (full == f[1] || full.StartsWith(f[1].TrimEnd('/') + "/", StringComparison.Ordinal)))
                .OrderByDescending(f => f[1].Length)
                .Select(f => $"{f[2]} on {f[1]}")
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>Everything one run measured.</summary>
internal sealed record BenchmarkReport(
    MachineFacts Machine, PhaseResult Transfers, int WarmupTransfers, PhaseResult RawInserts, string SqliteSynchronous, double Ratio, double Target,
    bool TargetMet, CpuCost Cpu, LedgerCheck Ledger)
{
    public const double TargetRatio = 0.25;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static BenchmarkReport Of(
        MachineFacts machine, PhaseResult transfers, int warmup, PhaseResult raw, string synchronous, CpuCost cpu, LedgerCheck ledger)
    {
        var ratio = transfers.PerSecond / raw.PerSecond;
        return new BenchmarkReport(machine, transfers, warmup, raw, synchronous, ratio, TargetRatio, ratio >= TargetRatio, cpu, ledger);
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public string ToTable()
    {
        static string Row(string what, PhaseResult p) => string.Create(CultureInfo.InvariantCulture,
            $"{what,-34}{p.Count,8}{p.Concurrency,6}{p.Seconds,9:0.00}{p.PerSecond,11:0.0}{p.P50Ms,9:0.00}{p.P99Ms,9:0.00}");

        return string.Join(Environment.NewLine,
            string.Create(CultureInfo.InvariantCulture,
                $"Fabric ledger benchmark: {Machine.Cores} cores, {Machine.Os}, {Machine.Runtime}"),
            $"temp folder {Machine.TempFolder} ({Machine.FileSystem ?? "file system unknown"}), SQLite WAL, synchronous={SqliteSynchronous}",
            "",
            $"{"",-34}{"count",8}{"conc",6}{"seconds",9}{"per sec",11}{"p50 ms",9}{"p99 ms",9}",
            Row("durable transfers (one client)", Transfers),
            string.Create(CultureInfo.InvariantCulture, $"  (after {WarmupTransfers} warm-up transfers)"),
            Row("raw SQLite inserts (1 row/commit)", RawInserts),
            "",
            string.Create(CultureInfo.InvariantCulture,
                $"ratio transfers/s ÷ raw inserts/s = {Ratio:0.000} (target ≥ {Target:0.00}: {(TargetMet ? "met" : "NOT met")})"),
            string.Create(CultureInfo.InvariantCulture,
                $"CPU per transfer: silo {Cpu.SiloMsPerTransfer:0.00} ms, client {Cpu.ClientMsPerTransfer:0.00} ms ({Cpu.CoresBusy:0.0} of {Machine.Cores} cores busy)"),
            Ledger.Ok
                ? $"ledger verified after the run: {Ledger.Events} events, hash chain and balances sound"
                : $"LEDGER CHECK FAILED: {string.Join("; ", Ledger.Problems)}");
    }
}
