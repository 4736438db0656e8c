using Fabric.Devices;
using Fabric.Worker.Gpus;
using Fabric.Worker.Hosting;
using Microsoft.Extensions.Logging;

namespace Fabric.Worker.Devices;

/// <summary>What a device's next heartbeat says.</summary>
public interface IHeartbeatSource
{
    Task<Heartbeat> ReadAsync(string gpuUuid, CancellationToken cancellationToken);
}

/// <summary>
/// Heartbeats from an <see cref="IGpuSource"/>: one sample serves every GPU (devices beating within
/// <see cref="SharedFor"/> of each other share it, so nvidia-smi runs once per interval, not once per GPU). A failed
/// sample is logged once until one succeeds again, and reports zeros meanwhile: the beat itself still goes out.
/// </summary>
public sealed partial class GpuHeartbeatSource(IGpuSource gpus, NetworkCounters network, TimeProvider time, ILogger<GpuHeartbeatSource> logger)
    : IHeartbeatSource
{
    /// <summary>How long one sample is reused.</summary>
    public static readonly TimeSpan SharedFor = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private (DateTimeOffset At, Task<IReadOnlyDictionary<string, GpuMetrics>> Sample)? _last;
    private bool _failing;

    public async Task<Heartbeat> ReadAsync(string gpuUuid, CancellationToken cancellationToken)
    {
        Task<IReadOnlyDictionary<string, GpuMetrics>> sample;
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_last is not { } last || now - last.At >= SharedFor)
            {
                _last = (now, SampleQuietlyAsync());
            }

            sample = _last.Value.Sample;
        }

        var metrics = (await sample.WaitAsync(cancellationToken)).GetValueOrDefault(gpuUuid) ?? GpuMetrics.Unknown;
        var (bytesIn, bytesOut) = network.SinceStart();
        return new Heartbeat
        {
            UtilizationPct = metrics.UtilizationPct,
            TemperatureC = metrics.TemperatureC,
            PowerW = metrics.PowerW,
            FreeVramMib = metrics.FreeVramMib,
            BytesIn = bytesIn,
            BytesOut = bytesOut,
        };
    }

    private async Task<IReadOnlyDictionary<string, GpuMetrics>> SampleQuietlyAsync()
    {
        try
        {
            // Not the caller's token: the sample is shared. nvidia-smi has its own time limit.
            var sample = await gpus.SampleAsync(CancellationToken.None);
            if (_failing)
            {
                _failing = false;
                LogMetricsBack(logger);
            }

            return sample;
        }
        catch (Exception e) when (e is WorkerSetupException or IOException or InvalidOperationException)
        {
            if (!_failing)
            {
                _failing = true;
                LogMetricsFailed(logger, e.Message);
            }

            return new Dictionary<string, GpuMetrics>();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot read GPU metrics ({Reason}); heartbeats report zeros until it works again")]
    private static partial void LogMetricsFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "GPU metrics readable again")]
    private static partial void LogMetricsBack(ILogger logger);
}
