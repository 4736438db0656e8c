namespace Fabric.Jobs;

/// <summary>Where a job stands. A job is in exactly one status at a time.</summary>
[GenerateSerializer, Alias("fabric.JobStatus")]
public enum JobStatus
{
    /// <summary>Accepted and waiting for placement.</summary>
    Queued = 0,
}
