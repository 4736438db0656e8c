using Fabric.Persistence;

namespace Fabric.Jobs;

/// <summary>The network's job list, newest first.</summary>
public sealed class JobDirectoryGrain(
    [PersistentState("job-directory", "fabric")] IPersistentState<DirectoryState<JobDetails>> state)
    : DirectoryGrain<JobDetails>(state), IJobDirectoryGrain
{
    protected override string IdOf(JobDetails entry) => entry.Id;

    protected override IEnumerable<JobDetails> Order(IEnumerable<JobDetails> entries) =>
        entries.OrderByDescending(j => j.SubmittedAt).ThenBy(j => j.Id, StringComparer.Ordinal);
}
