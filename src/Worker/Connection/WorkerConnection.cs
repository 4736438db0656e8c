using Fabric.Client;
using Fabric.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fabric.Worker.Connection;

/// <summary>
/// The worker's one way to Fabric. Owns a <see cref="FabricClient"/>; connects it on first use, retrying with
/// backoff and jitter (for ever, unless a limit is set, as --once does); and rebuilds it when a caller reports it
/// broken. Outbound only: the worker dials the gateway, so it works behind NAT.
/// </summary>
public sealed partial class WorkerConnection : IAsyncDisposable
{
    private readonly FabricClientOptions _clientOptions;
    private readonly WorkerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<WorkerConnection> _logger;
    private readonly TimeProvider _time;
    private readonly int? _maxAttempts;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _lock = new();
    private readonly List<Task> _closing = [];
    private Lease? _current;
    private long _generation;
    private bool _lost;

    public WorkerConnection(WorkerOptions options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _options = options;
        _clientOptions = ClientOptions(options);
        // The client's inner host and Orleans report each dropped connection at length, with stack traces; the worker
        // says it once, in one line. Their own logs are for --verbose.
        _loggerFactory = options.Verbose ? loggerFactory : NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger<WorkerConnection>();
        _time = time;
        _maxAttempts = options.Once ? Math.Max(1, options.OnceConnectAttempts) : null;
        Where = _clientOptions.Gateways.Count > 0
            ? $"gateway {string.Join(", ", _clientOptions.Gateways)}"
            : $"the gateways listed in {Path.GetFullPath(Path.Combine(_clientOptions.DataDir, FabricStorage.SqliteFileName))}";
    }

    /// <summary>A connected client and the generation it belongs to (report that generation when the client fails).</summary>
    public sealed record Lease(FabricClient Client, long Generation);

    /// <summary>Where the worker looks for Fabric, for messages.</summary>
    public string Where { get; }

    /// <summary>
    /// Client options for the worker's settings: the given gateways; else the data folder's database when one is
    /// named or ./.fabric/fabric.db exists; else 127.0.0.1:30000. The retries with backoff are this class's, so each
    /// failure is logged once; the client's own retry makes one quick second try (its retry pipeline needs at least
    /// one retry).
    /// </summary>
    public static FabricClientOptions ClientOptions(WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dataDir = options.DataDir ?? ".fabric";
        var useDatabase = options.Gateways.Count == 0
                          && (options.DataDir is not null || File.Exists(Path.Combine(dataDir, FabricStorage.SqliteFileName)));
        return new FabricClientOptions
        {
            Gateways = options.Gateways.Count > 0 ? [.. options.Gateways] : useDatabase ? [] : ["127.0.0.1:30000"],
            DataDir = dataDir,
            ClusterId = options.ClusterId,
            ServiceId = options.ServiceId,
            ConnectAttempts = 2,
            ConnectBaseDelay = TimeSpan.FromMilliseconds(100),
            ConnectMaxDelay = TimeSpan.FromMilliseconds(100),
            ResponseTimeout = options.ResponseTimeout,
            ConnectOnStart = false,
        };
    }

    /// <summary>The connected client, connecting (and waiting out failures) first when there is none.</summary>
    /// <exception cref="FabricUnreachableException">Only with an attempt limit (--once): no silo answered.</exception>
    public async Task<Lease> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _current) is { } current)
        {
            return current;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } connected)
            {
                return connected;
            }

            var client = await ConnectAsync(cancellationToken);
            var lease = new Lease(client, Interlocked.Increment(ref _generation));
            Volatile.Write(ref _current, lease);
            return lease;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A call through <paramref name="generation"/>'s client found nobody answering: drop that client so the next
    /// <see cref="GetAsync"/> builds a fresh one. Reports about an older generation are ignored (already rebuilt).
    /// </summary>
    public void ReportBroken(long generation, Exception reason)
    {
        FabricClient? broken = null;
        lock (_lock)
        {
            if (_current is { } current && current.Generation == generation)
            {
                broken = current.Client;
                Volatile.Write(ref _current, null);
                _lost = true;
                _closing.RemoveAll(t => t.IsCompleted);
                _closing.Add(CloseQuietlyAsync(broken));
            }
        }

        if (broken is not null)
        {
            LogLost(_logger, Where, Reason(reason));
        }
    }

    /// <summary>
    /// Latency to the cluster: the median round trip of a few cheap status calls, in whole milliseconds (at least 1);
    /// 0 when it could not be measured.
    /// </summary>
    public async Task<int> MeasureLatencyMsAsync(CancellationToken cancellationToken)
    {
        var lease = await GetAsync(cancellationToken);
        var samples = new List<double>();
        try
        {
            for (var i = 0; i < Math.Max(1, _options.LatencySamples); i++)
            {
                var started = _time.GetTimestamp();
                await lease.Client.GetStatusAsync(false, cancellationToken);
                samples.Add(_time.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        catch (Exception e) when (FabricClient.IsUnreachable(e))
        {
            ReportBroken(lease.Generation, e);
            return 0;
        }

        samples.Sort();
        var median = samples.Count % 2 == 1
            ? samples[samples.Count / 2]
            : (samples[(samples.Count / 2) - 1] + samples[samples.Count / 2]) / 2;
        return (int)Math.Max(1, Math.Ceiling(median));
    }

    public async ValueTask DisposeAsync()
    {
        Task[] closing;
        lock (_lock)
        {
            if (_current is { } current)
            {
                _closing.Add(CloseQuietlyAsync(current.Client));
                _current = null;
            }

            closing = [.. _closing];
        }

        await Task.WhenAll(closing);
        _gate.Dispose();
    }

    /// <summary>The innermost message: "Connection refused" rather than the layers around it.</summary>
    internal static string Reason(Exception e) => e.GetBaseException().Message.TrimEnd('.');

    private async Task<FabricClient> ConnectAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            FabricClient? client = null;
            try
            {
                client = new FabricClient(_clientOptions, _loggerFactory);
                await client.ConnectAsync(cancellationToken);
                if (attempt > 1 || _lost)
                {
                    LogConnected(_logger, Where, attempt);
                }

                return client;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                if (client is not null)
                {
                    await CloseQuietlyAsync(client);
                }

                if (attempt >= _maxAttempts)
                {
                    LogGaveUp(_logger, Where, attempt, Reason(e));
                    throw e as FabricUnreachableException
                          ?? new FabricUnreachableException($"Cannot reach Fabric at {Where}: {Reason(e)}.", e);
                }

                var delay = RetryBackoff.Delay(attempt, _options.RetryDelay, _options.MaxRetryDelay);
                LogUnreachable(_logger, Where, attempt, Reason(e), delay.TotalSeconds);
                await Task.Delay(delay, _time, cancellationToken);
            }
        }
    }

    private static async Task CloseQuietlyAsync(FabricClient client)
    {
        try
        {
            await client.DisposeAsync();
        }
#pragma warning disable CA1031 // Closing a client whose cluster vanished: any failure here changes nothing.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fabric not reachable at {Where} (attempt {Attempt}): {Reason}; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogUnreachable(ILogger logger, string where, int attempt, string reason, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Fabric not reachable at {Where} after {Attempts} attempt(s): {Reason}")]
    private static partial void LogGaveUp(ILogger logger, string where, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to Fabric at {Where} (attempt {Attempt})")]
    private static partial void LogConnected(ILogger logger, string where, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection to Fabric at {Where} ({Reason}); reconnecting")]
    private static partial void LogLost(ILogger logger, string where, string reason);
}
