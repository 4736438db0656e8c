using Fabric.Worker.Gpus;

namespace Fabric.Worker.Tests.Gpus;

public sealed class GpuModelsTests
{
    [Theory]
    [InlineData("RTX 4090", "RTX 4090")]
    [InlineData("rtx 4090", "RTX 4090")]
    [InlineData("NVIDIA GeForce RTX 4090", "RTX 4090")]
    [InlineData("NVIDIA H100 80GB HBM3", "H100")]
    [InlineData("NVIDIA H100 PCIe", "H100")]
    [InlineData("NVIDIA A100-SXM4-80GB", "A100 80GB")]
    [InlineData("NVIDIA A100-PCIE-40GB", "A100 40GB")]
    [InlineData("Tesla T4", "T4")]
    [InlineData("NVIDIA L40S", "L40S")]
    [InlineData("NVIDIA L4", "L4")]
    [InlineData("NVIDIA RTX A6000", "RTX A6000")]
    [InlineData("NVIDIA GeForce RTX 4070 Ti", "RTX 4070 Ti")]
    public void Reported_names_map_to_the_pools_model(string reported, string model)
    {
        Assert.Equal(model, GpuModels.Find(reported)?.Name);
    }

    [Theory]
    [InlineData("NVIDIA GeForce RTX 4070", "RTX 4070")]
    [InlineData("NVIDIA  GeForce   GTX 1080", "GTX 1080")]
    [InlineData("Radeon 7900", "Radeon 7900")]
    public void Unknown_models_keep_their_tidied_name(string reported, string shown)
    {
        Assert.Null(GpuModels.Find(reported));
        Assert.Equal(shown, GpuModels.DisplayName(reported));
    }

    [Fact]
    public void Every_model_has_a_capability_memory_and_sane_power()
    {
        Assert.All(GpuModels.All, m =>
        {
            Assert.Matches(@"^\d{1,2}\.\d$", m.ComputeCapability);
            Assert.InRange(m.VramMib, 8 * 1024, 256 * 1024);
            Assert.InRange(m.IdlePowerW, 1, m.MaxPowerW);
        });
        Assert.Equal(GpuModels.All.Count, GpuModels.All.Select(m => m.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }
}
