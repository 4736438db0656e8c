using Fabric.Worker.Hosting;

namespace Fabric.Worker.Tests.Hosting;

public sealed class HostProbeTests
{
    [Fact]
    public void Cpu_model_is_the_first_model_name_with_spaces_tidied()
    {
        const string cpuinfo = """
            processor	: 0
            vendor_id	: AuthenticAMD
            model		: 1
            model name	: AMD EPYC 7B13   64-Core Processor
            cpu MHz		: 2450.000

            processor	: 1
            model name	: AMD EPYC 7B13 64-Core Processor
            """;

        Assert.Equal("AMD EPYC 7B13 64-Core Processor", HostProbe.ParseCpuInfo(cpuinfo));
    }

    [Fact]
    public void Arm_cpuinfo_falls_back_to_model_or_hardware()
    {
        Assert.Equal("Raspberry Pi 4 Model B Rev 1.4", HostProbe.ParseCpuInfo("processor : 0\nBogoMIPS : 108.00\n\nModel : Raspberry Pi 4 Model B Rev 1.4\n"));
        Assert.Equal("BCM2835", HostProbe.ParseCpuInfo("processor : 0\nHardware : BCM2835\n"));
        Assert.Null(HostProbe.ParseCpuInfo("processor : 0\n"));
    }

    [Fact]
    public void Ram_is_memtotal_in_mib()
    {
        Assert.Equal(64312, HostProbe.ParseMemInfo("MemTotal:       65856000 kB\nMemFree:         1000000 kB\n"));
        Assert.Null(HostProbe.ParseMemInfo("MemFree: 1 kB\n"));
    }

    [Fact]
    public void This_machine_is_described_without_network_figures()
    {
        var host = HostProbe.Describe();

        Assert.Equal(Environment.ProcessorCount, host.CpuCores);
        Assert.True(host.RamMib > 0);
        Assert.InRange(host.CpuModel.Length, 1, HostProbe.MaxTextLength);
        Assert.InRange(host.Os.Length, 1, HostProbe.MaxTextLength);
        Assert.Equal((0, 0), (host.BandwidthMbps, host.LatencyMs));
    }

    [Fact]
    public void Network_counters_count_from_start_and_never_go_back()
    {
        var readings = new Queue<(long, long)>([(1000, 500), (1600, 700), (100, 50), (2000, 900)]);
        var counters = new NetworkCounters(() => readings.Dequeue());

        Assert.Equal((600L, 200L), counters.SinceStart());
        // An interface went away (totals dropped): the counters hold.
        Assert.Equal((600L, 200L), counters.SinceStart());
        Assert.Equal((1000L, 400L), counters.SinceStart());
    }
}
