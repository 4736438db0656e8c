using Fabric.Economy;
using Fabric.Ledger;
using Fabric.Rewards;
using Fabric.Tests.Rewards;
using Fabric.Storage;
using Fabric.Wallet;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Fabric.Tests;

/// <summary>
/// One Orleans test cluster for the collection, persisting through the real ADO.NET grain storage on a real SQLite
/// file (migrated by Fabric's own scripts), with a fake clock.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), $"fabric-grains-{Guid.NewGuid():N}");

    public TestCluster Cluster { get; private set; } = null!;

    /// <summary>Connection string of the SQLite file the silos persist to.</summary>
    public string ConnectionString { get; private set; } = null!;

    /// <summary>The silos' clock; tests read it, none advance it concurrently.</summary>
    public static FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    public IGrainFactory Grains => Cluster.GrainFactory;

    /// <summary>The network authority and treasury keys the silos trust, and genesis to the community wallet.</summary>
    public static Keypair Authority { get; } = Keypair.Generate();

    public static Keypair Treasury { get; } = Keypair.Generate();

    public static Keypair Community { get; } = Keypair.Generate();

    /// <summary>The price oracle's key and the buy-back's market wallet.</summary>
    public static Keypair Oracle { get; } = Keypair.Generate();

    public static Keypair Market { get; } = Keypair.Generate();

    /// <summary>Staking, burn and price feed parameters the silos read per call: a test may change one and put it back.</summary>
    public static Fabric.Staking.StakingOptions Staking { get; } = new();

    public static Fabric.Buyback.BurnOptions Burn { get; } = new();

    public static Fabric.Buyback.PriceFeedOptions PriceFeed { get; } = new();

    /// <summary>Pool and liveness settings: small challenges so verification tests run in milliseconds.</summary>
    public static Fabric.Devices.PoolOptions Pool { get; } = new()
    {
        Shards = 4,
        ChallengeTarget = TimeSpan.FromMilliseconds(20),
        // Tests sweep by hand after moving the fake clock; a real-time timer would race them.
        SweepInterval = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Reward settings: the defaults (tests drive the reward grain through its SiloOnly run, not the reminder).</summary>
    public static RewardOptions Rewards { get; } = new();

    public static NetworkOptions Network { get; } = new()
    {
        Id = "fabric-test",
        Authority = Authority.Address.ToString(),
        Treasury = Treasury.Address.ToString(),
        Oracle = Oracle.Address.ToString(),
        Market = Market.Address.ToString(),
        Genesis = new GenesisOptions { Community = Community.Address.ToString() },
    };


    public async ValueTask InitializeAsync()
    {
        var storage = FabricStorage.Sqlite(_dataDir);
        await SchemaMigrator.ApplyAsync(storage);
        var builder = new TestClusterBuilder(1);
        ConnectionString = storage.ConnectionString;
        builder.Properties["FabricConnectionString"] = storage.ConnectionString;
        builder.Properties["FabricDataDir"] = _dataDir;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var connectionString = silo.Configuration["FabricConnectionString"]!;
            silo.Services.AddKeyedSingleton<TimeProvider>(FabricClock.Key, Clock);
            silo.Services.AddSingleton<GrainReferences>();
            silo.Services.AddSingleton(Options.Create(Network));
            silo.Services.AddSingleton(Options.Create(new FeeOptions()));
            silo.Services.AddSingleton(Options.Create(Pool));
            silo.Services.AddSingleton(Options.Create(Staking));
            silo.Services.AddSingleton(Options.Create(Burn));
            silo.Services.AddSingleton(Options.Create(PriceFeed));
            silo.Services.AddSingleton(new LedgerStore(FabricStorage.Sqlite(silo.Configuration["FabricDataDir"]!)));
            // The default emission schedule and reward settings; tests stop distributions half-way through RewardFaults.
            silo.Services.AddSingleton<IRewardProgress>(RewardFaults.Instance);
            silo.Services.AddFabricRewards(new EmissionOptions(), Rewards, FabricStorage.Sqlite(silo.Configuration["FabricDataDir"]!));
            silo.AddIncomingGrainCallFilter<SiloOnlyCallFilter>();
            silo.AddAdoNetGrainStorage("fabric", ob => ob.Configure<Serializer>((o, serializer) =>
            {
                o.Invariant = "System.Data.SQLite";
                o.ConnectionString = connectionString;
                o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = "System.Data.SQLite";
                o.ConnectionString = connectionString;
            });
            // Production keeps Orleans' one-minute floor; the test reminder ticks every second.
            silo.Services.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
