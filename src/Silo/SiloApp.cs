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

        try
        {
            await using var app = await BuildAsync([.. commandLine.ConfigurationArgs]);
            await app.StartAsync();
            Console.Out.WriteLine(Banner.For(app.Services.GetRequiredService<FabricSiloOptions>(),
                app.Services.GetRequiredService<FabricStorage>()));
            await app.WaitForShutdownAsync();
            return 0;
        }
        catch (FabricStartupException e)
        {
            await Console.Error.WriteLineAsync($"fabric-silo: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is InvalidOperationException or OptionsValidationException or IOException
                                      or System.Net.Sockets.SocketException)
        {
            // Whatever slipped past the pre-flight checks still gets one line, with the root cause.
            await Console.Error.WriteLineAsync($"fabric-silo: could not start: {e.GetBaseException().Message}");
            return 1;
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

        var options = new FabricSiloOptions();
        try
        {
            builder.Configuration.GetSection(FabricSiloOptions.Section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder's own message names the key and the value; the inner one only says "not in a correct format".
            throw new FabricStartupException($"Bad configuration value: {e.Message}", e);
        }

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

        builder.AddFabricSilo(options, storage);
        var app = builder.Build();
        app.MapFabricEndpoints();
        return app;
    }
}
