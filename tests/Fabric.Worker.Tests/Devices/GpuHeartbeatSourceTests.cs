using Fabric.Devices;
using Fabric.Worker.Devices;
using Fabric.Worker.Gpus;
using Fabric.Worker.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Fabric.Worker.Tests.Devices;

public sealed class GpuHeartbeatSourceTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly CountingGpus _gpus = new();
    private readonly ListLogger _logs = new();

    private GpuHeartbeatSource Source()
    {
        var counters = new NetworkCounters(() => (5000, 3000));
        return new GpuHeartbeatSource(_gpus, counters, _time, LoggerFactory.Create(b => b.AddProvider(_logs)).CreateLogger<GpuHeartbeatSource>());
    }

    [Fact]
    public async Task Gpus_beating_together_share_one_sample()
    {
        var source = Source();

        var a = await source.ReadAsync("GPU-a", TestContext.Current.CancellationToken);
        _time.Advance(TimeSpan.FromMilliseconds(300));
        var b = await source.ReadAsync("GPU-b", TestContext.Current.CancellationToken);

        Assert.Equal(1, _gpus.Samples);
        Assert.Equal(new Heartbeat { UtilizationPct = 1, TemperatureC = 41, PowerW = 100, FreeVramMib = 1000, BytesIn = 0, BytesOut = 0 }, a);
        Assert.Equal(2, b.UtilizationPct);

        _time.Advance(GpuHeartbeatSource.SharedFor);
        await source.ReadAsync("GPU-a", TestContext.Current.CancellationToken);
        Assert.Equal(2, _gpus.Samples);
    }

    [Fact]
    public async Task A_failing_tool_reports_zeros_and_is_logged_once_until_it_recovers()
    {
        var source = Source();
        _gpus.Failing = true;

        var first = await source.ReadAsync("GPU-a", TestContext.Current.CancellationToken);
        _time.Advance(GpuHeartbeatSource.SharedFor);
        await source.ReadAsync("GPU-a", TestContext.Current.CancellationToken);
        _gpus.Failing = false;
        _time.Advance(GpuHeartbeatSource.SharedFor);
        var back = await source.ReadAsync("GPU-a", TestContext.Current.CancellationToken);

        Assert.Equal((0, 0, 0, 0), (first.UtilizationPct, first.TemperatureC, first.PowerW, first.FreeVramMib));
        Assert.Equal(1, back.UtilizationPct);
        Assert.Equal(
            ["Cannot read GPU metrics (nvidia-smi failed (exit code 15): GPU is lost); heartbeats report zeros until it works again", "GPU metrics readable again"],
            _logs.Lines.Select(l => l.Message));
    }

    private sealed class CountingGpus : IGpuSource
    {
        public int Samples { get; private set; }

        public bool Failing { get; set; }

        public bool Simulated => false;

        public Task<IReadOnlyList<GpuInfo>> DiscoverAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyDictionary<string, GpuMetrics>> SampleAsync(CancellationToken cancellationToken)
        {
            if (Failing)
            {
                throw new WorkerSetupException("nvidia-smi failed (exit code 15): GPU is lost");
            }

            Samples++;
            IReadOnlyDictionary<string, GpuMetrics> sample = new Dictionary<string, GpuMetrics>
            {
                ["GPU-a"] = new(1, 41, 100, 1000),
                ["GPU-b"] = new(2, 42, 200, 2000),
            };
            return Task.FromResult(sample);
        }
    }
}
