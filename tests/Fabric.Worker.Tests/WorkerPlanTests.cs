using Fabric.Wallet;
using Fabric.Worker.Gpus;

namespace Fabric.Worker.Tests;

public sealed class WorkerPlanTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("fabric-worker-plan-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task A_missing_keypair_is_a_setup_error_saying_how_to_make_one()
    {
        var path = Path.Combine(_dir.FullName, "missing.json");

        var error = await Assert.ThrowsAsync<WorkerSetupException>(() =>
            WorkerPlan.PrepareAsync(new WorkerOptions { Keypair = path, Simulate = 1, Model = "RTX 4090" }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal($"Keypair file '{path}' does not exist. Create one with 'fabric wallet new --outfile FILE'.", error.Message);
    }

    [Fact]
    public async Task A_corrupt_keypair_is_a_setup_error()
    {
        var path = Path.Combine(_dir.FullName, "corrupt.json");
        await File.WriteAllTextAsync(path, "[1,2,3]", TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<WorkerSetupException>(() =>
            WorkerPlan.PrepareAsync(new WorkerOptions { Keypair = path, Simulate = 1, Model = "RTX 4090" }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("is not a valid keypair: expected 64 numbers, found 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulated_plan_declares_simulated_gpus_owned_by_the_keypair()
    {
        var owner = Keypair.Generate();
        var path = Path.Combine(_dir.FullName, "owner.json");
        KeypairFile.Write(path, owner);

        var plan = await WorkerPlan.PrepareAsync(
            new WorkerOptions { Keypair = path, Simulate = 2, Model = "H100", Price = 2.5m, Region = "us-east" },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(owner.Address, plan.Owner.Address);
        Assert.True(plan.Source.Simulated);
        Assert.Equal((2_500_000L, "us-east"), (plan.Price!.Value, plan.Region));
        var spec = plan.SpecFor(plan.Gpus[1], plan.Host);
        Assert.Equal(SimulatedGpuSource.UuidFor(owner.Address, 1), spec.GpuUuid);
        Assert.Equal(("H100", 81559, "9.0", true, 2_500_000L, "us-east"),
            (spec.Model, spec.VramMib, spec.ComputeCapability, spec.Simulated, spec.PricePerHourBaseUnits, spec.Region));
    }

    [Fact]
    public async Task Real_plan_uses_the_gpu_source_and_defaults_price_and_region()
    {
        var path = Path.Combine(_dir.FullName, "owner.json");
        KeypairFile.Write(path, Keypair.Generate());
        var nvidiaSmi = new NvidiaSmiGpuSource(_ => Task.FromResult("GPU-a, NVIDIA GeForce RTX 3090, 24576, 8.6, 0, 35, 20.1, 24000\n"));

        var plan = await WorkerPlan.PrepareAsync(new WorkerOptions { Keypair = path }, () => nvidiaSmi, TestContext.Current.CancellationToken);

        var spec = plan.SpecFor(Assert.Single(plan.Gpus), plan.Host);
        Assert.Equal(("GPU-a", "RTX 3090", false, 0L, WorkerPlan.DefaultRegion),
            (spec.GpuUuid, spec.Model, spec.Simulated, spec.PricePerHourBaseUnits, spec.Region));
    }
}
