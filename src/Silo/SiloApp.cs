using Fabric.Ledger;
using Fabric.Rewards;
using Fabric.Storage;
using Microsoft.Extensions.Options;

namespace Fabric.Silo;

/// <summary>Start-up of one silo process: parse, validate, check, migrate, run.</summary>
public static class SiloApp
{
    /// <summary>Runs the silo until Ctrl+C or SIGTERM; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var commandLine = SiloCommandLine.Parse(args);
        if (commandLine.Help)
        {
            Console.Out.WriteLine(SiloCommandLine.Usage);
            return 0;
        }

        if (commandLine.Error is not null)
        {
            await Console.Error.WriteLineAsync($"fabric-silo: {commandLine.Error}");
            return 64;
        }

        WebApplication app;
        try
        {
            app = await BuildAsync([.. commandLine.ConfigurationArgs]);
        }
        catch (FabricStartupException e)
        {
            await Console.Error.WriteLineAsync($"fabric-silo: {e.Message}");
            return 1;
        }

        await using (app)
        {
            try
            {
                await app.StartAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever slipped past the pre-flight checks still gets one line, with the root cause.
                await Console.Error.WriteLineAsync($"fabric-silo: could not start: {e.GetBaseException().Message}");
                return 1;
            }

            Console.Out.WriteLine(Banner.For(app.Services.GetRequiredService<FabricSiloOptions>(),
                app.Services.GetRequiredService<FabricStorage>(),
                app.Services.GetRequiredService<IOptions<NetworkOptions>>().Value,
                app.Services.GetRequiredService<NetworkKeys.Resolved>()));
            app.Services.GetService<Demo.DemoTrigger>()?.Pull();
            await app.WaitForShutdownAsync();
            return 0;
        }
    }

    private static T Bind<T>(ConfigurationManager configuration, string section)
        where T : new()
    {
        var bound = new T();
        try
        {
            configuration.GetSection(section).Bind(bound);
            return bound;
        }
        catch (InvalidOperationException e)
        {
            // The binder's own message names the key and the value; the inner one only says "not in a correct format".
            throw new FabricStartupException($"Bad configuration value: {e.Message}", e);
        }
    }

    private static void ValidateEconomy(NetworkOptions network, FeeOptions fees)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(network.Id) || network.Id.Length > 128)
        {
            problems.Add("Fabric:Network:Id must be 1 to 128 characters.");
        }

        if (network.MaxRequestLifetime <= TimeSpan.Zero || network.MaxRequestLifetime > TimeSpan.FromDays(1))
        {
            problems.Add("Fabric:Network:MaxRequestLifetime must be between 0 and 1 day.");
        }

        foreach (var (bucket, address, _) in network.Genesis.Buckets())
        {
            if (!string.IsNullOrWhiteSpace(address) && !Wallet.WalletAddress.TryParse(address, out _, out var error))
            {
                problems.Add($"Genesis address for {bucket} '{address}' is malformed: {error}");
            }
        }

        foreach (var (name, bps) in new[] { ("PaymentFeeIosdBps", fees.PaymentFeeIosdBps), ("PaymentFeeIoBps", fees.PaymentFeeIoBps), ("BookingFeeBps", fees.BookingFeeBps) })
        {
            if (bps is < 0 or > 10_000)
            {
                problems.Add($"Fabric:Fees:{name} {bps} must be between 0 and 10000 basis points.");
            }
        }

        if (problems.Count > 0)
        {
            throw new FabricStartupException(string.Join(" ", problems));
        }
    }

    private static void ValidatePool(Devices.PoolOptions pool)
    {
        var problems = new List<string>();
        if (pool.Shards is < 1 or > 4096)
        {
            problems.Add($"Fabric:Pool:Shards {pool.Shards} must be between 1 and 4096.");
        }

        if (pool.HeartbeatInterval <= TimeSpan.Zero || pool.UnhealthyAfter <= pool.HeartbeatInterval || pool.OfflineAfter <= pool.UnhealthyAfter)
        {
            problems.Add("Fabric:Pool needs 0 < HeartbeatInterval < UnhealthyAfter < OfflineAfter.");
        }

        if (pool.SweepInterval <= TimeSpan.Zero || pool.TouchEvery <= TimeSpan.Zero || pool.TouchEvery >= pool.UnhealthyAfter)
        {
            problems.Add("Fabric:Pool needs SweepInterval > 0 and 0 < TouchEvery < UnhealthyAfter.");
        }

        if (pool.ChallengeTarget <= TimeSpan.Zero || pool.ReverifyMin <= TimeSpan.Zero || pool.ReverifyMax < pool.ReverifyMin)
        {
            problems.Add("Fabric:Pool needs ChallengeTarget > 0 and 0 < ReverifyMin <= ReverifyMax.");
        }

        if (problems.Count > 0)
        {
            throw new FabricStartupException(string.Join(" ", problems));
        }
    }

    /// <summary>The emission schedule must build from its settings, and the reward settings must be in range: one line says what is wrong.</summary>
    private static void ValidateRewards(Economy.EmissionOptions emission, Rewards.RewardOptions rewards)
    {
        var problems = new List<string>();
        try
        {
            Economy.EmissionSchedule.Create(emission);
        }
        catch (ArgumentException e)
        {
            // The schedule's messages name the setting; drop the parameter suffix the runtime appends.
            problems.Add($"{Economy.EmissionOptions.Section}: {e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal)}");
        }

        problems.AddRange(rewards.Validate());
        if (problems.Count > 0)
        {
            throw new FabricStartupException(string.Join(" ", problems));
        }
    }

    private static async Task<WebApplication> BuildAsync(string[] configurationArgs)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = configurationArgs,
            // appsettings.json ships beside the binary; the working directory is only where relative data paths start.
            ContentRootPath = AppContext.BaseDirectory,
        });

        var options = Bind<FabricSiloOptions>(builder.Configuration, FabricSiloOptions.Section);

        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new FabricStartupException(string.Join(" ", problems));
        }

        options.DataDir = Path.GetFullPath(options.DataDir);
        FabricStorage storage;
        try
        {
            storage = FabricStorage.From(options.Storage.Kind, options.DataDir, options.Storage.ConnectionString);
        }
        catch (FabricStorageException e)
        {
            throw new FabricStartupException(e.Message, e);
        }

        if (storage.Kind == StorageKind.Sqlite)
        {
            Preflight.EnsureWritableDataDir(options.DataDir);
        }

        Preflight.EnsurePortsFree(SiloHosting.ListenAddress(options),
            [("--silo-port", options.SiloPort), ("--gateway-port", options.GatewayPort), ("--http-port", options.HttpPort)]);
        await Preflight.MigrateStorageAsync(storage, CancellationToken.None);

        var network = Bind<NetworkOptions>(builder.Configuration, NetworkOptions.Section);
        var fees = Bind<FeeOptions>(builder.Configuration, FeeOptions.Section);
        var pool = Bind<Devices.PoolOptions>(builder.Configuration, Devices.PoolOptions.Section);
        ValidateEconomy(network, fees);
        ValidatePool(pool);
        var rental = Bind<Clusters.RentalOptions>(builder.Configuration, Clusters.RentalOptions.Section);
        var governance = Bind<Governance.GovernanceOptions>(builder.Configuration, Governance.GovernanceOptions.Section);
        var emission = Bind<Economy.EmissionOptions>(builder.Configuration, Economy.EmissionOptions.Section);
        var staking = Bind<Staking.StakingOptions>(builder.Configuration, Staking.StakingOptions.Section);
        var burn = Bind<Buyback.BurnOptions>(builder.Configuration, Buyback.BurnOptions.Section);
        var priceFeed = Bind<Buyback.PriceFeedOptions>(builder.Configuration, Buyback.PriceFeedOptions.Section);
        var economy = staking.Validate().Concat(burn.Validate()).Concat(priceFeed.Validate()).ToList();
        if (economy.Count > 0)
        {
            throw new FabricStartupException(string.Join(" ", economy));
        }

        var rewards = Bind<Rewards.RewardOptions>(builder.Configuration, Rewards.RewardOptions.Section);
        ValidateRewards(emission, rewards);
        try
        {
            rental.Validate();
            governance.Validate();
            // Every default must fit its governance bounds, or no proposal could ever be checked against it.
            Governance.ParameterCatalog.Defaults(fees, rental.Weights, staking, burn, rewards);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new FabricStartupException(e.Message, e);
        }

        var keys = NetworkKeys.Resolve(network, storage, options.DataDir);
        network.Authority = keys.Authority;
        network.Treasury = keys.Treasury;
        network.Oracle = keys.Oracle.Length == 0 ? null : keys.Oracle;
        network.Market = keys.Market.Length == 0 ? null : keys.Market;

        builder.Services.AddSingleton(keys);
        builder.Services.AddSingleton(Options.Create(staking));
        builder.Services.AddSingleton(Options.Create(burn));
        builder.Services.AddSingleton(Options.Create(priceFeed));
        builder.Services.AddSingleton(Options.Create(pool));
        builder.Services.AddSingleton(Options.Create(rental));
        builder.Services.AddSingleton(Options.Create(governance));
        builder.Services.AddFabricRewards(emission, rewards, storage);
        builder.AddFabricSilo(options, storage, network, fees);
        if (options.Demo)
        {
            // After the silo's own services, so it starts once the silo serves (and stops before it).
            builder.Services.AddSingleton<Demo.DemoTrigger>();
            builder.Services.AddHostedService<Demo.DemoService>();
            // The demo's simulated workers say what they do in "demo:" lines; their own logs only when something is wrong.
            builder.Logging.AddFilter("Fabric.Worker", LogLevel.Warning);
        }

        var app = builder.Build();
        app.MapFabricEndpoints();
        return app;
    }
}
