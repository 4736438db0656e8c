using Fabric.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fabric.Jobs;

/// <summary>One job: the accepted spec and where it stands.</summary>
public sealed partial class JobGrain(
    [PersistentState("job", "fabric")] IPersistentState<JobState> state,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    ILogger<JobGrain> logger) : Grain, IJobGrain
{
    /// <summary>What a queued job tells its renter until the scheduler exists to place it.</summary>
    internal const string QueuedReason = "Waiting for placement: no scheduler is running on this network yet.";

    public async Task<JobDetails> SubmitAsync(JobSpec spec)
    {
        var id = this.GetPrimaryKeyString();
        JobSpecRules.Validate(id, spec);

        if (state.State.Job is { } existing)
        {
            if (!SameSpec(existing.Spec, spec))
            {
                throw new FabricRejectedException($"Job '{id}' already exists with another spec.");
            }

            await GrainFactory.GetGrain<IJobDirectoryGrain>(IJobDirectoryGrain.NetworkKey).UpsertAsync(existing);
            return existing;
        }

        var now = time.GetUtcNow();
        var job = new JobDetails
        {
            Id = id,
            Spec = spec,
            Status = JobStatus.Queued,
            Reason = QueuedReason,
            SubmittedAt = now,
            UpdatedAt = now,
        };

        await state.WriteAsync(state.State with { Job = job });
        await GrainFactory.GetGrain<IJobDirectoryGrain>(IJobDirectoryGrain.NetworkKey).UpsertAsync(job);
        LogQueued(logger, id, spec.Renter, spec.Gpus);
        return job;
    }

    public Task<JobDetails?> GetAsync() => Task.FromResult(state.State.Job);

    private static bool SameSpec(JobSpec a, JobSpec b) =>
        a.Renter == b.Renter
        && a.Gpus == b.Gpus
        && a.Region == b.Region
        && a.Command.SequenceEqual(b.Command)
        && a.Models.SequenceEqual(b.Models);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} queued for {Renter}: {Gpus} GPU(s)")]
    private static partial void LogQueued(ILogger logger, string jobId, string renter, int gpus);
}
