namespace Fabric.Jobs;

/// <summary>One job, keyed by its id (chosen by the submitter so retries are idempotent).</summary>
[Alias("fabric.IJobGrain")]
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>
    /// Accepts the job. Submitting the same spec again returns the stored job; a different spec under an existing id
    /// is rejected.
    /// </summary>
    [Alias("Submit")]
    Task<JobDetails> SubmitAsync(JobSpec spec);

    /// <summary>The job, or null when no job has this id.</summary>
    [Alias("Get")]
    Task<JobDetails?> GetAsync();
}
