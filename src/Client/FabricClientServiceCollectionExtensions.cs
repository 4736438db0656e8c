using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fabric.Client;

/// <summary>Registers <see cref="FabricClient"/> in an app's container.</summary>
public static class FabricClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="FabricClient"/> configured by <paramref name="configure"/>; unless
    /// <see cref="FabricClientOptions.ConnectOnStart"/> is off, the host connects it while starting.
    /// </summary>
    public static IServiceCollection AddFabricClient(this IServiceCollection services, Action<FabricClientOptions> configure)
    {
        var options = new FabricClientOptions();
        configure(options);
        services.AddSingleton(options);
        services.AddSingleton(sp => new FabricClient(options, sp.GetService<ILoggerFactory>()));
        if (options.ConnectOnStart)
        {
            services.AddHostedService<FabricClientConnector>();
        }

        return services;
    }

    private sealed class FabricClientConnector(FabricClient client) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => client.ConnectAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
