using Fabric.Network;

namespace Fabric.Silo;

/// <summary>The silo's HTTP surface: liveness for orchestrators and the cluster view as JSON.</summary>
public static class HttpEndpoints
{
    public static WebApplication MapFabricEndpoints(this WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/status", async (IGrainFactory grains, bool? all) =>
            Results.Json(await grains.GetGrain<INetworkStatusGrain>(0).GetAsync(all ?? false)));
        return app;
    }
}
