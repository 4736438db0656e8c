using System.Net;
using Fabric.Ledger;
using Fabric.Storage;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace Fabric.Silo;

/// <summary>Wires Orleans and Kestrel onto the host from validated options.</summary>
public static class SiloHosting
{
    /// <summary>Name of the grain storage every Fabric grain persists through.</summary>
    public const string GrainStorageName = "fabric";

    /// <summary>The address to bind: loopback stays loopback, anything else listens on every interface.</summary>
    public static IPAddress ListenAddress(FabricSiloOptions options)
    {
        var advertised = IPAddress.Parse(options.AdvertisedAddress);
        return IPAddress.IsLoopback(advertised) ? advertised : IPAddress.Any;
    }

    public static WebApplicationBuilder AddFabricSilo(
        this WebApplicationBuilder builder, FabricSiloOptions options, FabricStorage storage, NetworkOptions network, FeeOptions fees)
    {
        var advertised = IPAddress.Parse(options.AdvertisedAddress);
        var listenOnAny = !IPAddress.IsLoopback(advertised);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(storage);
        builder.Services.AddKeyedSingleton(FabricClock.Key, TimeProvider.System);
        builder.Services.AddSingleton<GrainReferences>();
        builder.Services.AddSingleton(Options.Create(network));
        builder.Services.AddSingleton(Options.Create(fees));
        builder.Services.AddSingleton(new LedgerStore(storage));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Plain HTTP/1.1: HTTP/2 without TLS cannot be negotiated by browsers or curl anyway.
            kestrel.Listen(ListenAddress(options), options.HttpPort, l => l.Protocols = HttpProtocols.Http1);
            kestrel.AddServerHeader = false;
        });

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.Configure<SiloOptions>(o => o.SiloName = $"{Environment.MachineName}-{options.SiloPort}");
            silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort, listenOnAny);

            // Probe timings are tunable (Fabric:Membership:ProbeTimeout, ...) so operators and tests can trade
            // failure-detection speed for tolerance of slow networks.
            silo.Services.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Fabric:Membership"));

            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = storage.Invariant;
                o.ConnectionString = storage.ConnectionString;
            });
            silo.AddAdoNetGrainStorage(GrainStorageName, ob => ob.Configure<Serializer>((o, serializer) =>
            {
                o.Invariant = storage.Invariant;
                o.ConnectionString = storage.ConnectionString;
                // Orleans' binary format keys members by [Id], so renamed members and types ([Alias]) still load.
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = storage.Invariant;
                o.ConnectionString = storage.ConnectionString;
            });
            silo.AddIncomingGrainCallFilter<SiloOnlyCallFilter>();
        });

        // Registered after Orleans, so it starts once the silo serves.
        builder.Services.AddHostedService<GenesisStartup>();
        builder.Services.AddHostedService<BuybackStartup>();
        builder.Services.AddHostedService<RewardStartup>();

        return builder;
    }
}
