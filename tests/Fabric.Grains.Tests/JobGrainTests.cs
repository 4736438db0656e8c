using Fabric.Jobs;

namespace Fabric.Tests;

[Collection(ClusterCollection.Name)]
public sealed class JobGrainTests(ClusterFixture fixture)
{
    private static JobSpec Echo(string renter = "bob") => new()
    {
        Renter = renter,
        Command = ["echo", "hello"],
        Gpus = 2,
        Models = ["A100", "H100"],
        Region = "eu",
    };

    private static string NewId() => $"job-{Guid.NewGuid():N}";

    [Fact]
    public async Task Submit_queues_the_job_with_a_reason_the_renter_can_read()
    {
        var id = NewId();
        var job = await fixture.Grains.GetGrain<IJobGrain>(id).SubmitAsync(Echo());

        Assert.Equal(id, job.Id);
        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.Equal(JobGrain.QueuedReason, job.Reason);
        Assert.Equal(["echo", "hello"], job.Spec.Command);
        Assert.Equal(ClusterFixture.Clock.GetUtcNow(), job.SubmittedAt);
    }

    [Fact]
    public async Task A_submitted_job_survives_deactivation_and_is_listed()
    {
        var id = NewId();
        var grain = fixture.Grains.GetGrain<IJobGrain>(id);
        var submitted = await grain.SubmitAsync(Echo());

        await fixture.Cluster.DeactivateAsync(grain);
        var reloaded = await fixture.Grains.GetGrain<IJobGrain>(id).GetAsync();

        Assert.NotNull(reloaded);
        Assert.Equal(submitted.Spec.Command, reloaded.Spec.Command);
        Assert.Equal(submitted.Spec.Models, reloaded.Spec.Models);
        Assert.Equal(submitted.SubmittedAt, reloaded.SubmittedAt);
        var listed = await fixture.Grains.GetGrain<IJobDirectoryGrain>(IJobDirectoryGrain.NetworkKey)
            .ListAsync(new PageRequest { Take = PageRequest.MaxSize });
        Assert.Contains(listed.Items, j => j.Id == id);
    }

    [Fact]
    public async Task Resubmitting_the_same_spec_is_idempotent_and_a_different_spec_is_rejected()
    {
        var grain = fixture.Grains.GetGrain<IJobGrain>(NewId());
        var first = await grain.SubmitAsync(Echo());

        Assert.Equal(first.SubmittedAt, (await grain.SubmitAsync(Echo())).SubmittedAt);
        await Assert.ThrowsAsync<FabricRejectedException>(() => grain.SubmitAsync(Echo() with { Gpus = 3 }));
        Assert.Equal(2, (await grain.GetAsync())!.Spec.Gpus);
    }

    public static TheoryData<string, JobSpec> BadSpecs => new()
    {
        { "GPUs", Echo() with { Gpus = 0 } },
        { "GPUs", Echo() with { Gpus = 100_000 } },
        { "command", Echo() with { Command = [] } },
        { "command", Echo() with { Command = ["sh", new string('x', 9000)] } },
        { "Renter", Echo(renter: "") },
    };

    [Theory]
    [MemberData(nameof(BadSpecs))]
    public async Task Submit_rejects_bad_specs_and_stores_nothing(string word, JobSpec spec)
    {
        var grain = fixture.Grains.GetGrain<IJobGrain>(NewId());

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => grain.SubmitAsync(spec));

        Assert.Contains(word, error.Message, StringComparison.Ordinal);
        Assert.Null(await grain.GetAsync());
    }
}
