using Fabric.Samples;
using Fabric.Devices;
using Fabric.Ledger;
using Fabric.Storage;
using Fabric.Wallet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace Fabric.Samples.PoolBenchmark;

/// <summary>
/// One silo in this process, configured as src/Silo configures the grains this benchmark touches: Fabric's keyed
/// clock, network, fee and pool options, the ledger store (on a migrated SQLite file in a temp folder), the silo-only
/// call filter, and grain storage "fabric" (see <see cref="BenchmarkOptions.Usage"/>). Clustering is localhost (one silo, no
/// membership table); no HTTP endpoints, no genesis, no reminders (no grain used here needs them).
/// </summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchSilo(IHost host, NetworkOptions network, PoolOptions pool, FabricStorage storage, CallCounter calls)
    {
        _host = host;
        Network = network;
        Pool = pool;
        Storage = storage;
        Calls = calls;
    }

    public NetworkOptions Network { get; }

    public PoolOptions Pool { get; }

    public FabricStorage Storage { get; }

    /// <summary>What grain storage "fabric" is, in words.</summary>
    public string StorageDescription { get; private init; } = "";

    public CallCounter Calls { get; }

    /// <summary>The silo's hosted client: calls from it enter the silo as client calls, with no network hop.</summary>
    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<BenchSilo> StartAsync(BenchmarkOptions options, string dataDir, CancellationToken cancellationToken)
    {
        var storage = FabricStorage.Sqlite(dataDir);
        Directory.CreateDirectory(dataDir);
        await SchemaMigrator.ApplyAsync(storage, cancellationToken);

        var network = new NetworkOptions
        {
            Id = "fabric-bench",
            Authority = Keypair.Generate().Address.ToString(),
            Treasury = Keypair.Generate().Address.ToString(),
        };
        var pool = new PoolOptions(); // defaults, as src/Silo binds them when nothing is configured: 16 shards
        var calls = new CallCounter { Enabled = options.CountCalls };

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(options.LogLevel);
        // Logs go to standard error, so --json output stays clean.
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        builder.Services.AddKeyedSingleton(FabricClock.Key, TimeProvider.System);
        builder.Services.AddSingleton<GrainReferences>();
        builder.Services.AddSingleton(Options.Create(network));
        builder.Services.AddSingleton(Options.Create(new FeeOptions()));
        builder.Services.AddSingleton(Options.Create(pool));
        builder.Services.AddSingleton(new LedgerStore(storage));
        builder.Services.AddSingleton(calls);

        var (siloPort, gatewayPort) = BenchSiloHosting.FreePorts();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "fabric-bench", clusterId: "fabric-bench");
            switch (options.Storage)
            {
                case "sqlite":
                    silo.AddAdoNetGrainStorage("fabric", ob => ob.Configure<Serializer>((o, serializer) =>
                    {
                        o.Invariant = storage.Invariant;
                        o.ConnectionString = storage.ConnectionString;
                        o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                    }));
                    break;
                case "memory":
                    silo.AddMemoryGrainStorage("fabric", ob => ob.Configure<Serializer>((o, serializer) =>
                    {
                        o.NumStorageGrains = 16;
                        // The binary format src/Silo gives the ADO.NET provider, so stored states are as small as there.
                        o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
                    }));
                    break;
                default:
                    silo.Services.AddKeyedSingleton<IGrainStorage>("fabric", new DiscardGrainStorage());
                    break;
            }

            silo.AddIncomingGrainCallFilter<SiloOnlyCallFilter>();
            if (options.CountCalls)
            {
                silo.Services.AddSingleton<IIncomingGrainCallFilter>(sp => sp.GetRequiredService<CallCounter>());
            }
        });

        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new BenchSilo(host, network, pool, storage, calls)
        {
            StorageDescription = options.Storage switch
            {
                "sqlite" => $"{storage.Description}: Orleans' ADO.NET grain storage on Fabric's schema, as src/Silo runs",
                "memory" => "Orleans' in-memory grain storage (16 storage grains; a binary-serialized copy of every state in this process), "
                            + "because registering 100,000 devices on SQLite takes over 4 minutes on this machine",
                _ => "discard (diagnostic): writes succeed and are forgotten, nothing is kept in this process",
            },
        };
    }

    public ValueTask DisposeAsync() => BenchSiloHosting.StopAsync(_host);
}
