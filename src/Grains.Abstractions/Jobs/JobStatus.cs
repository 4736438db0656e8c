namespace Fabric.Jobs;

/// <summary>
/// Where a job stands; exactly one at a time. Queued (its cluster is not placed yet) → Starting (orders sent to the
/// workers) → Running (every rank's process started) → Succeeded, Failed or Cancelled, which are final: a terminal job
/// never runs again.
/// </summary>
[GenerateSerializer, Alias("fabric.JobStatus")]
public enum JobStatus
{
    Queued = 0,
    Starting = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
    Cancelled = 5,
}
