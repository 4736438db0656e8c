using Fabric.Worker.Gpus;

namespace Fabric.Worker.Tests.Gpus;

public sealed class NvidiaSmiParserTests
{
    private static string Sample() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "nvidia-smi.csv"));

    [Fact]
    public void Query_asks_for_the_fields_the_parser_reads()
    {
        Assert.Equal(
            "--query-gpu=uuid,name,memory.total,compute_cap,utilization.gpu,temperature.gpu,power.draw,memory.free --format=csv,noheader,nounits",
            NvidiaSmiParser.Query);
    }

    [Fact]
    public void Captured_sample_parses_to_exact_values()
    {
        var gpus = NvidiaSmiParser.Parse(Sample());

        Assert.Equal(
            [
                new NvidiaSmiGpu("GPU-5c3b2a1e-8f4d-4c2b-9a7e-1d2f3e4a5b6c", "NVIDIA GeForce RTX 4090", 24564, "8.9", 3, 38, 21.47, 24080),
                new NvidiaSmiGpu("GPU-a1b2c3d4-e5f6-7890-abcd-ef0123456789", "NVIDIA H100 80GB HBM3", 81559, "9.0", 100, 71, 689.52, 1203),
                new NvidiaSmiGpu("GPU-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "NVIDIA A100-SXM4-80GB", 81920, null, null, 45, null, 80000),
                new NvidiaSmiGpu("GPU-deadbeef-0000-1111-2222-333344445555", "Tesla T4", 15360, "7.5", 0, null, null, 14930),
            ],
            gpus);
    }

    [Fact]
    public void Sample_gpus_are_declared_under_the_pools_model_names()
    {
        var infos = NvidiaSmiParser.Parse(Sample()).Select(g => g.ToInfo()).ToList();

        Assert.Equal(
            [
                new GpuInfo("GPU-5c3b2a1e-8f4d-4c2b-9a7e-1d2f3e4a5b6c", "RTX 4090", 24564, "8.9"),
                new GpuInfo("GPU-a1b2c3d4-e5f6-7890-abcd-ef0123456789", "H100", 81559, "9.0"),
                // compute_cap [N/A] (an old driver): taken from the model table.
                new GpuInfo("GPU-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "A100 80GB", 81920, "8.0"),
                new GpuInfo("GPU-deadbeef-0000-1111-2222-333344445555", "T4", 15360, "7.5"),
            ],
            infos);
    }

    [Fact]
    public void Unavailable_metrics_are_reported_as_zero_and_power_is_rounded()
    {
        var metrics = NvidiaSmiParser.Parse(Sample()).Select(g => g.ToMetrics()).ToList();

        Assert.Equal(
            [
                new GpuMetrics(3, 38, 21, 24080),
                new GpuMetrics(100, 71, 690, 1203),
                new GpuMetrics(0, 45, 0, 80000),
                new GpuMetrics(0, 0, 0, 14930),
            ],
            metrics);
    }

    [Fact]
    public void Windows_line_endings_and_blank_lines_are_accepted()
    {
        var gpus = NvidiaSmiParser.Parse("\r\nGPU-1, NVIDIA L4, 23034, 8.9, 1, 30, 16.00, 22000\r\n\r\n");

        Assert.Equal([new NvidiaSmiGpu("GPU-1", "NVIDIA L4", 23034, "8.9", 1, 30, 16.0, 22000)], gpus);
    }

    [Fact]
    public void Empty_output_is_no_gpus()
    {
        Assert.Empty(NvidiaSmiParser.Parse(""));
    }

    [Theory]
    [InlineData("GPU-1, NVIDIA L4, 23034, 8.9, 1, 30, 16.00", "expected 8 comma-separated fields")]
    [InlineData("GPU-1, NVIDIA L4, 23034, 8.9, 1, 30, 16.00, 22000, 7", "found 9")]
    [InlineData("GPU-1, NVIDIA L4, lots, 8.9, 1, 30, 16.00, 22000", "memory.total 'lots' is not a whole number")]
    [InlineData("GPU-1, NVIDIA L4, [N/A], 8.9, 1, 30, 16.00, 22000", "memory.total is not reported")]
    [InlineData("GPU-1, NVIDIA L4, 0, 8.9, 1, 30, 16.00, 22000", "memory.total 0 MiB is not positive")]
    [InlineData("GPU-1, NVIDIA L4, 23034, nine, 1, 30, 16.00, 22000", "compute_cap 'nine' is not like 8.9")]
    [InlineData("GPU-1, NVIDIA L4, 23034, 8.9, 101, 30, 16.00, 22000", "utilization.gpu 101 is outside 0 to 100")]
    [InlineData("GPU-1, NVIDIA L4, 23034, 8.9, 1, hot, 16.00, 22000", "temperature.gpu 'hot' is not a whole number")]
    [InlineData("GPU-1, NVIDIA L4, 23034, 8.9, 1, 30, 16 W, 22000", "power.draw '16 W' is not a number")]
    [InlineData("[N/A], NVIDIA L4, 23034, 8.9, 1, 30, 16.00, 22000", "uuid '[N/A]' is not a GPU UUID")]
    [InlineData("GPU-1, , 23034, 8.9, 1, 30, 16.00, 22000", "the GPU name is missing")]
    public void Malformed_line_is_rejected_naming_the_line_and_the_problem(string badLine, string problem)
    {
        var output = "GPU-0, NVIDIA L4, 23034, 8.9, 1, 30, 16.00, 22000\n" + badLine + "\n";

        var error = Assert.Throws<NvidiaSmiFormatException>(() => NvidiaSmiParser.Parse(output));

        Assert.Equal(2, error.LineNumber);
        Assert.StartsWith("nvidia-smi output line 2 is not understood: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"\"{badLine}\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_text_from_a_broken_driver_is_rejected_rather_than_misread()
    {
        var error = Assert.Throws<NvidiaSmiFormatException>(() => NvidiaSmiParser.Parse(
            "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n"));

        Assert.Equal(1, error.LineNumber);
        Assert.Contains("expected 8 comma-separated fields", error.Message, StringComparison.Ordinal);
    }
}
