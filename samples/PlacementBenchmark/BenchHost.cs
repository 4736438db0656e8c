using Fabric.Samples;
using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Ledger;
using Fabric.Storage;
using Fabric.Wallet;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace Fabric.Samples.PlacementBenchmark;

/// <summary>
/// One silo in this process, configured as src/Silo configures the grains placement touches (keyed clock, network,
/// fee, pool and rental options, the ledger on SQLite in a temp folder, the silo-only call filter). Grain state is kept
/// in this process, serialized on every write as a database provider does (registering 100,000 devices on SQLite takes
/// minutes), and reminders in memory; the ledger stays on SQLite, as every hold is a real, synced ledger transaction.
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchHost(IHost host, NetworkOptions network, Keypair authority, int gatewayPort)
    {
        _host = host;
        Network = network;
        Authority = authority;
        GatewayPort = gatewayPort;
    }

    /// <summary>Where a worker process connects.</summary>
    public int GatewayPort { get; }

    public NetworkOptions Network { get; }

    public Keypair Authority { get; }

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<BenchHost> StartAsync(string dataDir, LogLevel logLevel, PoolOptions? poolOptions = null)
    {
        var storage = FabricStorage.Sqlite(dataDir);
        Directory.CreateDirectory(dataDir);
        await SchemaMigrator.ApplyAsync(storage);
        var authority = Keypair.Generate();
        var network = new NetworkOptions
        {
            Id = "fabric-bench",
            Authority = authority.Address.ToString(),
            Treasury = Keypair.Generate().Address.ToString(),
        };
        // Devices prove themselves once, with a tiny challenge; liveness thresholds are long, as the benchmark sends
        // no heartbeats while it measures placement.
        var pool = poolOptions ?? new PoolOptions
        {
            ChallengeTarget = TimeSpan.FromMilliseconds(1),
            UnhealthyAfter = TimeSpan.FromHours(1),
            OfflineAfter = TimeSpan.FromHours(2),
        };

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(logLevel);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddKeyedSingleton(FabricClock.Key, TimeProvider.System);
        builder.Services.AddSingleton<GrainReferences>();
        builder.Services.AddSingleton(Options.Create(network));
        builder.Services.AddSingleton(Options.Create(new FeeOptions()));
        builder.Services.AddSingleton(Options.Create(pool));
        builder.Services.AddSingleton(Options.Create(new RentalOptions()));
        builder.Services.AddSingleton(new LedgerStore(storage));

        var (siloPort, gatewayPort) = BenchSiloHosting.FreePorts();
        builder.UseOrleans(silo =>
        {
            // The ids a fabric-worker uses by default, so a worker process can join through the gateway.
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "fabric", clusterId: "fabric");
            silo.Services.AddKeyedSingleton<IGrainStorage>("fabric", (services, _) =>
                new InProcessGrainStorage(new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>())));
            silo.UseInMemoryReminderService();
            silo.AddIncomingGrainCallFilter<SiloOnlyCallFilter>();
        });

        var host = builder.Build();
        await host.StartAsync();
        return new BenchHost(host, network, authority, gatewayPort);
    }

    public ValueTask DisposeAsync() => BenchSiloHosting.StopAsync(_host);
}

/// <summary>A grain that does nothing: the bare cost of an Orleans call, measured in the same run.</summary>
[Alias("fabric.bench.IPingGrain")]
public interface IPingGrain : IGrainWithIntegerKey
{
    [Alias("Ping")]
    Task<int> PingAsync(int value);
}

public sealed class PingGrain : Grain, IPingGrain
{
    public Task<int> PingAsync(int value) => Task.FromResult(value);
}

/// <summary>Signs a request as a wallet does and wraps it for a grain call.</summary>
internal static class Envelopes
{
    public static SignedEnvelope Sign(Keypair signer, string networkId, string operation, byte[] payload)
    {
        var request = SignedRequest.Sign(signer, networkId, operation, payload, DateTimeOffset.UtcNow.AddMinutes(5));
        return new SignedEnvelope
        {
            Domain = request.Domain, NetworkId = request.NetworkId, Operation = request.Operation, Payload = request.Payload.ToArray(),
            Signer = request.Signer.ToString(), RequestId = request.RequestId, ExpiresAtUnixMs = request.ExpiresAtUnixMs,
            Signature = request.Signature.ToArray(),
        };
    }
}
