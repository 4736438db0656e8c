// A partner app embeds Fabric through the client library: register it, let the host connect it, then use the typed
// facade. It runs a job on a cluster of its own (deployed for the job, ended with it) and watches it.
// Run a silo first (dotnet run --project src/Silo), then: dotnet run --project samples/PartnerApp
//
// Settings (command line --name=value, or environment): keypair (the renter's keypair file; created when missing),
// gpus, model ("A100,H100"), region, max-price (IOSD per GPU-hour), hours, command, watch-seconds.
// Exit codes: 0 the job succeeded or is still going when watching stops, 1 Fabric refused it or it failed,
// 2 Fabric cannot be reached.
using System.Globalization;
using Fabric;
using Fabric.Client;
using Fabric.Jobs;
using Fabric.Money;
using Fabric.Wallet;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddFilter("Orleans", LogLevel.Warning);
builder.Services.AddFabricClient(options =>
{
    // Gateways from FABRIC__GATEWAY ("host:port,host:port"), else the local silo's database under ./.fabric.
    foreach (var gateway in (builder.Configuration["Fabric:Gateway"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
    {
        options.Gateways.Add(gateway.Trim());
    }

    options.DataDir = builder.Configuration["Fabric:DataDir"] ?? ".fabric";
});
var settings = builder.Configuration;

// The renter's keypair signs every request and pays from its wallet. Like `fabric wallet new`, a new one is written
// readable by its owner only; it must be funded (IOSD) before the network will hold an escrow for it.
var keypairFile = settings["keypair"] ?? KeypairFile.DefaultPath();
Keypair renter;
try
{
    if (!File.Exists(keypairFile))
    {
        KeypairFile.Write(keypairFile, Keypair.Generate());
        Console.WriteLine($"Created keypair {keypairFile}; fund its address with IOSD to rent GPUs.");
    }

    renter = KeypairFile.Read(keypairFile);
}
catch (WalletException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

Console.WriteLine($"Renter {renter.Address}");

ClusterRequest request;
try
{
    request = new ClusterRequest
    {
        Gpus = settings.GetValue("gpus", 1),
        Models = [.. (settings["model"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
        Region = settings["region"],
        MaxPricePerHour = settings["max-price"] is { } price
            ? Token.IOSD.ToBaseUnits(decimal.Parse(price, NumberStyles.Number, CultureInfo.InvariantCulture))
            : null,
        Hours = settings.GetValue("hours", 1),
    };
}
catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine($"Bad setting: {e.Message}");
    return 64;
}

string[] command = settings["command"] is { Length: > 0 } given
    ? given.Split(' ', StringSplitOptions.RemoveEmptyEntries)
    : ["sh", "-c", "for epoch in 1 2 3; do echo epoch $epoch of 3 on GPU $CUDA_VISIBLE_DEVICES; sleep 0.2; done"];

using var host = builder.Build();
try
{
    await host.StartAsync();
}
catch (FabricUnreachableException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var fabric = host.Services.GetRequiredService<FabricClient>();
JobDetails job;
try
{
    // One call deploys the job's own cluster (escrowing its hours) and submits the job to it.
    job = await fabric.SubmitJobAsync(renter, FabricClient.NewId("job"), request, command);
}
catch (FabricRejectedException e)
{
    // Refused: no GPU matches, not enough funds, ... Nothing was held or started.
    Console.Error.WriteLine($"Fabric refused the job: {e.Message}");
    await host.StopAsync();
    return 1;
}
catch (FabricUnreachableException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

Console.WriteLine($"Submitted {job.Id} on cluster {job.ClusterId}");

// Watch for a while: print the status each time it changes, until the job ends, or until Ctrl+C (or SIGTERM) asks
// the app to stop, which the host turns into ApplicationStopping.
var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
using var watchFor = CancellationTokenSource.CreateLinkedTokenSource(stopping);
watchFor.CancelAfter(TimeSpan.FromSeconds(settings.GetValue("watch-seconds", 5)));
try
{
    await foreach (var update in fabric.WatchJobAsync(job.Id, TimeSpan.FromSeconds(1), watchFor.Token))
    {
        job = update;
        Console.WriteLine($"{update.UpdatedAt:HH:mm:ss} {update.Id}: {update.Status} ({update.Reason})");
        if (update.Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled)
        {
            break;
        }
    }
}
catch (OperationCanceledException) when (watchFor.IsCancellationRequested)
{
    // Watching ended: said below.
}

if (job.Status is not (JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled))
{
    Console.WriteLine($"Stopped watching; {job.Id} is {job.Status}. Follow it with: fabric job status {job.Id} --watch");
}

if (job.Status is JobStatus.Succeeded or JobStatus.Failed)
{
    // The output the job left (its tail), stdout and stderr as they came.
    await foreach (var chunk in fabric.StreamLogsAsync(job.Id, follow: false))
    {
        (chunk.Stream == OutputSource.Stdout ? Console.Out : Console.Error).Write(chunk.Text);
    }
}

await host.StopAsync();
return job.Status is JobStatus.Failed or JobStatus.Cancelled ? 1 : 0;
