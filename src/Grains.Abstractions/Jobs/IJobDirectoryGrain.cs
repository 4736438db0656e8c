namespace Fabric.Jobs;

/// <summary>The network's list of jobs, for listing and counting without waking every job grain.</summary>
[Alias("fabric.IJobDirectoryGrain")]
public interface IJobDirectoryGrain : IGrainWithStringKey
{
    /// <summary>The key of the single network-wide directory.</summary>
    const string NetworkKey = "network";

    /// <summary>Adds or replaces a job's entry.</summary>
    [Alias("Upsert")]
    Task UpsertAsync(JobDetails job);

    /// <summary>A page of jobs, newest first.</summary>
    [Alias("List")]
    Task<Page<JobDetails>> ListAsync(PageRequest page);

    /// <summary>Number of jobs ever submitted.</summary>
    [Alias("Count")]
    Task<int> CountAsync();
}
