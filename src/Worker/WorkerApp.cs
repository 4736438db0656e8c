using Fabric.Worker.Connection;
using Fabric.Worker.Devices;
using Fabric.Worker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabric.Worker;

/// <summary>Start-up of the worker process: parse, validate, prepare (keypair, GPUs), run until stopped.</summary>
public static class WorkerApp
{
    /// <summary>Runs the worker until Ctrl+C, SIGTERM or the service manager stops it; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = CreateBuilder(args, Console.Out, Console.Error, out var exitCode, out var options);
        if (builder is null)
        {
            return exitCode;
        }

        WorkerPlan plan;
        try
        {
            plan = await WorkerPlan.PrepareAsync(options!);
        }
        catch (WorkerSetupException e)
        {
            await Console.Error.WriteLineAsync($"fabric-worker: {e.Message}");
            return WorkerExitCodes.BadSetup;
        }

        builder.AddFabricWorker(plan);
        using var host = builder.Build();
        var exit = host.Services.GetRequiredService<WorkerExit>();
        await host.RunAsync();
        return exit.Code;
    }

    /// <summary>
    /// Parses the command line and reads the configuration (flags over FABRIC__WORKER__ variables over appsettings).
    /// Returns null with <paramref name="exitCode"/> set when the process should exit now (help, or a usage error
    /// written to <paramref name="error"/>).
    /// </summary>
    public static HostApplicationBuilder? CreateBuilder(
        IReadOnlyList<string> args, TextWriter output, TextWriter error, out int exitCode, out WorkerOptions? options)
    {
        ArgumentNullException.ThrowIfNull(error);
        options = null;
        var commandLine = WorkerCommandLine.Parse(args, output, error);
        if (commandLine.ExitCode is { } code)
        {
            exitCode = code;
            return null;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            // The host reads no arguments itself (they were parsed above), and its appsettings.json sits beside the
            // program, not in whatever folder the worker was started from.
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(commandLine.Settings);

        var bound = new WorkerOptions();
        IReadOnlyList<string> problems;
        try
        {
            builder.Configuration.GetSection(WorkerOptions.Section).Bind(bound);
            problems = WorkerOptionsValidator.Problems(bound);
        }
        catch (InvalidOperationException e)
        {
            // The binder names the key and the value ("FABRIC__WORKER__SIMULATE=abc").
            problems = [$"Bad configuration value: {e.Message}"];
        }

        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                error.WriteLine($"fabric-worker: {problem}");
            }

            error.WriteLine("Run 'fabric-worker --help' for usage.");
            exitCode = WorkerExitCodes.Usage;
            return null;
        }

        exitCode = WorkerExitCodes.Stopped;
        options = bound;
        return builder;
    }

    /// <summary>The worker's services: connection, device calls, solver, heartbeats, the service itself, logging, service-manager integration.</summary>
    public static HostApplicationBuilder AddFabricWorker(this HostApplicationBuilder builder, WorkerPlan plan)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        services.AddSingleton(plan);
        services.AddSingleton(plan.Source);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<WorkerExit>();
        services.AddSingleton(sp => new WorkerConnection(
            sp.GetRequiredService<IOptions<WorkerOptions>>().Value,
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IDeviceApi, FabricDeviceApi>();
        services.AddSingleton<Jobs.IWorkApi, Jobs.FabricWorkApi>();
        services.AddSingleton<IChallengeSolver, CpuChallengeSolver>();
        services.AddSingleton<NetworkCounters>();
        services.AddSingleton<IHeartbeatSource, GpuHeartbeatSource>();
        services.AddHostedService<WorkerService>();

        // Under systemd (Type=notify) or the Windows service manager these report readiness and stopping, and
        // shape the logs for journald / the event log; run from a terminal they change nothing.
        services.AddSystemd();
        services.AddWindowsService(o => o.ServiceName = "fabric-worker");

        var verbose = builder.Configuration.GetValue<bool>($"{WorkerOptions.Section}:{nameof(WorkerOptions.Verbose)}");
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
        // The Fabric client's logs (its inner host, Orleans) reach this factory only with --verbose; see WorkerConnection.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        return builder;
    }
}
