// Starts a silo of its own on a fresh SQLite data folder, funds wallets, and measures durable ledger transfers per
// second from one client, next to raw single-row SQLite inserts per second on the same disk with Fabric's settings.
//   dotnet run -c Release --project samples/LedgerBenchmark [-- --transfers 3000 --concurrency 32 --json]
using System.Runtime.InteropServices;
using Fabric;
using Fabric.Client;
using Fabric.Samples.LedgerBenchmark;
using Fabric.Wallet;

var options = BenchmarkOptions.Parse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return 64;
}

using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    // Let the run unwind: the finally below kills the silo and deletes the temp folder.
    context.Cancel = true;
    stop.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

var work = Path.Combine(Path.GetTempPath(), $"fabric-bench-{Guid.NewGuid():N}");
Directory.CreateDirectory(work);
SiloRunner? silo = null;
try
{
    void Progress(string line)
    {
        if (!options.Json)
        {
            Console.Error.WriteLine(line);
        }
    }

    Progress($"raw SQLite: {options.Warmup} + {options.RawInserts} inserts ...");
    var (raw, synchronous) = await Measurements.RawInsertsAsync(Path.Combine(work, "raw"), options.RawInserts, options.Warmup, stop.Token);

    Progress($"starting {options.SiloDll} ...");
    var dataDir = Path.Combine(work, "data");
    silo = await SiloRunner.StartAsync(options.SiloDll, dataDir, stop.Token);
    var authority = KeypairFile.Read(Path.Combine(dataDir, "keys", "authority.json"));
    await using var client = new FabricClient(new FabricClientOptions { Gateways = [silo.Gateway] });
    await client.ConnectAsync(stop.Token);

    Progress($"transfers: {options.Wallets} mints, warm-up (at least {options.Warmup}, until the rate settles), {options.Transfers} measured, {options.Concurrency} in flight ...");
    var running = silo;
    var (transfers, warmup, cpu, ledger) = await Measurements.TransfersAsync(client, () => running.CpuTime, authority, options, Progress, stop.Token);

    var report = BenchmarkReport.Of(MachineFacts.Here(work), transfers, warmup, raw, synchronous, cpu, ledger);
    Console.WriteLine(options.Json ? report.ToJson() : report.ToTable());
    return ledger.Ok ? 0 : 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("Stopped; the silo is killed and the temp folder removed.");
    return 130;
}
catch (Exception e) when (e is BenchmarkException or FabricUnreachableException or FabricRejectedException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
finally
{
    silo?.Dispose();
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException e)
    {
        Console.Error.WriteLine($"Could not remove {work}: {e.Message}");
    }
}
