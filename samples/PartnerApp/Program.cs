// A partner app embeds Fabric through the client library: register it, let the host connect it, then use the
// typed facade. Run a silo first (dotnet run --project src/Silo), then: dotnet run --project samples/PartnerApp
using Fabric.Client;
using Fabric.Jobs;
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
var job = await fabric.SubmitJobAsync(FabricClient.NewId("job"), new JobSpec
{
    Renter = "partner-app",
    Command = ["python", "train.py", "--epochs", "3"],
    Gpus = 1,
});
Console.WriteLine($"Submitted {job.Id}");

// Watch for a few seconds: print the status each time it changes.
using var watchFor = new CancellationTokenSource(TimeSpan.FromSeconds(int.TryParse(builder.Configuration["watch-seconds"], out var s) ? s : 5));
try
{
    await foreach (var update in fabric.WatchJobAsync(job.Id, TimeSpan.FromSeconds(1), watchFor.Token))
    {
        Console.WriteLine($"{update.UpdatedAt:HH:mm:ss} {update.Id}: {update.Status} ({update.Reason})");
    }
}
catch (OperationCanceledException) when (watchFor.IsCancellationRequested)
{
    Console.WriteLine("Stopped watching.");
}

await host.StopAsync();
return 0;
