using Fabric.Worker.Gpus;

namespace Fabric.Worker.Tests.Gpus;

public sealed class NvidiaSmiGpuSourceTests
{
    private static NvidiaSmiGpuSource Answering(string output) => new(_ => Task.FromResult(output));

    [Fact]
    public async Task Discovery_lists_every_gpu_in_order()
    {
        var sample = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "TestData", "nvidia-smi.csv"), TestContext.Current.CancellationToken);

        var gpus = await Answering(sample).DiscoverAsync(TestContext.Current.CancellationToken);

        Assert.Equal(["RTX 4090", "H100", "A100 80GB", "T4"], gpus.Select(g => g.Model));
    }

    [Fact]
    public async Task Sample_is_keyed_by_uuid()
    {
        var metrics = await Answering("GPU-a, NVIDIA L4, 23034, 8.9, 7, 41, 30.2, 20000\nGPU-b, NVIDIA L4, 23034, 8.9, 9, 43, 31.7, 19000\n")
            .SampleAsync(TestContext.Current.CancellationToken);

        Assert.Equal(new GpuMetrics(7, 41, 30, 20000), metrics["GPU-a"]);
        Assert.Equal(new GpuMetrics(9, 43, 32, 19000), metrics["GPU-b"]);
    }

    [Fact]
    public async Task Malformed_output_is_a_setup_error_naming_the_line()
    {
        var error = await Assert.ThrowsAsync<WorkerSetupException>(() =>
            Answering("GPU-a, NVIDIA L4, 23034, 8.9, 7, 41, 30.2, 20000\ngarbage\n").DiscoverAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith("nvidia-smi output line 2 is not understood", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_gpu_is_a_setup_error_suggesting_simulate()
    {
        var error = await Assert.ThrowsAsync<WorkerSetupException>(() => Answering("\n").DiscoverAsync(TestContext.Current.CancellationToken));

        Assert.Contains("--simulate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_uuid_listed_twice_is_a_setup_error()
    {
        var error = await Assert.ThrowsAsync<WorkerSetupException>(() =>
            Answering("GPU-a, NVIDIA L4, 23034, 8.9, 7, 41, 30.2, 20000\nGPU-a, NVIDIA L4, 23034, 8.9, 7, 41, 30.2, 20000\n")
                .DiscoverAsync(TestContext.Current.CancellationToken));

        Assert.Equal("nvidia-smi listed GPU GPU-a more than once.", error.Message);
    }

    [Fact]
    public void Nvidia_smi_is_found_only_where_path_points()
    {
        var dir = Directory.CreateTempSubdirectory("fabric-worker-path-");
        try
        {
            Assert.Null(NvidiaSmiGpuSource.FindOnPath(dir.FullName, windows: false));
            File.WriteAllText(Path.Combine(dir.FullName, "nvidia-smi"), "");

            Assert.Equal(Path.Combine(dir.FullName, "nvidia-smi"),
                NvidiaSmiGpuSource.FindOnPath($"/nonexistent{Path.PathSeparator}{dir.FullName}", windows: false));
            Assert.Null(NvidiaSmiGpuSource.FindOnPath(null, windows: false));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
