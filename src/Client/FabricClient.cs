using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Fabric.Devices;
using Fabric.Jobs;
using Fabric.Network;
using Fabric.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Runtime;
using Polly;
using Polly.Retry;

namespace Fabric.Client;

/// <summary>
/// The typed way into Fabric for the CLI, the worker and partner apps. Connects on first use (or explicitly with
/// <see cref="ConnectAsync"/>), retrying with exponential backoff and jitter; every call maps "nobody answered" to
/// <see cref="FabricUnreachableException"/> and refusals to <see cref="FabricRejectedException"/>.
/// </summary>
public sealed partial class FabricClient : IAsyncDisposable
{
    private readonly FabricClientOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<FabricClient> _logger;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private IHost? _host;
    private IClusterClient? _cluster;

    public FabricClient(FabricClientOptions options, ILoggerFactory? loggerFactory = null)
    {
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<FabricClient>();
        Discovery = GatewayDiscovery.From(options);
    }

    /// <summary>Where this client looks for Fabric.</summary>
    public GatewayDiscovery Discovery { get; }

    /// <summary>Connects now (a no-op when connected).</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default) => await ClusterAsync(cancellationToken);

    /// <summary>The cluster's silos and what it holds.</summary>
    public Task<NetworkStatus> GetStatusAsync(bool includeDead = false, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<INetworkStatusGrain>(0).GetAsync(includeDead), cancellationToken);

    /// <summary>
    /// Yields the job now and then each time its status or reason changes, checking every
    /// <paramref name="interval"/>, until cancelled.
    /// </summary>
    public async IAsyncEnumerable<JobDetails> WatchJobAsync(
        string jobId, TimeSpan interval, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        JobDetails? last = null;
        using var timer = new PeriodicTimer(interval);
        do
        {
            var job = await GetJobAsync(jobId, cancellationToken)
                      ?? throw new FabricRejectedException($"No job has id '{jobId}'.");
            if (last is null || job.Status != last.Status || job.Reason != last.Reason)
            {
                last = job;
                yield return job;
            }
        }
        while (await NextTickAsync(timer, cancellationToken));
    }

    /// <summary>A fresh id for a device or job: the prefix and 12 random hex digits.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            try
            {
                await _host.StopAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (IsUnreachable(e) || e is OperationCanceledException)
            {
                // The cluster is gone already; nothing to close gracefully.
            }

            _host.Dispose();
        }

        _connectLock.Dispose();
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<T> CallAsync<T>(Func<IClusterClient, Task<T>> call, CancellationToken cancellationToken)
    {
        var cluster = await ClusterAsync(cancellationToken);
        try
        {
            return await call(cluster).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (IsUnreachable(e))
        {
            throw new FabricUnreachableException($"Fabric stopped answering at {Discovery.Description}: {e.Message}", e);
        }
    }

    private async Task<IClusterClient> ClusterAsync(CancellationToken cancellationToken)
    {
        if (_cluster is { } connected)
        {
            return connected;
        }

        await _connectLock.WaitAsync(cancellationToken);
        try
        {
            if (_cluster is null)
            {
                (_host, _cluster) = await ConnectWithRetriesAsync(cancellationToken);
            }

            return _cluster;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task<(IHost, IClusterClient)> ConnectWithRetriesAsync(CancellationToken cancellationToken)
    {
        if (Discovery.Storage is { Kind: StorageKind.Sqlite, DatabaseFile: { } file } && !File.Exists(file))
        {
            throw new FabricUnreachableException(
                $"Cannot reach Fabric: there is no Fabric database at {file}. Start a silo there, or pass --gateway HOST:PORT.");
        }

        var attempts = Math.Max(1, _options.ConnectAttempts);
        var builder = new ResiliencePipelineBuilder();
        if (attempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                MaxRetryAttempts = attempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.ConnectBaseDelay,
                MaxDelay = _options.ConnectMaxDelay,
                OnRetry = args =>
                {
                    LogRetry(_logger, Discovery.Description, args.AttemptNumber + 1, attempts,
                        args.Outcome.Exception?.GetBaseException().Message, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }

        var pipeline = builder.Build();

        try
        {
            return await pipeline.ExecuteAsync(async ct => await ConnectOnceAsync(ct), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new FabricUnreachableException(
                $"Cannot reach Fabric: no silo answered at {Discovery.Description} after {attempts} attempt(s) " +
                $"({e.GetBaseException().Message.TrimEnd('.')}).", e);
        }
    }

    private async Task<(IHost, IClusterClient)> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton(_loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = _options.ClusterId;
                o.ServiceId = _options.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = _options.ResponseTimeout);
            if (Discovery.Gateways is { } gateways)
            {
                client.UseStaticClustering([.. gateways]);
            }
            else
            {
                var storage = Discovery.Storage!;
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = storage.Invariant;
                    o.ConnectionString = storage.ConnectionString;
                });
            }

            // Polly owns the retries (and their backoff); Orleans should report the first failure.
            client.UseConnectionRetryFilter((_, _) => Task.FromResult(false));
        });

        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            var cluster = host.Services.GetRequiredService<IClusterClient>();
            // Gateways can be listed (a stale row in the database) yet dead: prove one answers.
            await cluster.GetGrain<INetworkStatusGrain>(0).GetAsync(false).WaitAsync(_options.ResponseTimeout, cancellationToken);
            return (host, cluster);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Whether an exception means no silo could be reached (as opposed to a refusal or a bug).</summary>
    public static bool IsUnreachable(Exception e) => e switch
    {
        FabricUnreachableException => true,
        SiloUnavailableException or OrleansMessageRejectionException => true,
        TimeoutException or SocketException => true,
        OrleansException when e.GetType().Name.Contains("Connection", StringComparison.Ordinal) => true,
        _ when e.GetType().Name == "ConnectionFailedException" => true,
        _ => e.InnerException is not null && IsUnreachable(e.InnerException),
    };

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Fabric not reachable at {Where} (attempt {Attempt} of {Attempts}): {Reason}; retrying in {Delay}")]
    private static partial void LogRetry(ILogger logger, string where, int attempt, int attempts, string? reason, TimeSpan delay);
}
