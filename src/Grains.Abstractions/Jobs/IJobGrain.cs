using Fabric.Ledger;

namespace Fabric.Jobs;

/// <summary>One job, keyed by its id (chosen by the submitter so retries are idempotent).</summary>
[Alias("fabric.IJobGrain")]
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>"job.submit" signed by the renter of the cluster it names. Submitting the same job again returns it.</summary>
    [Alias("Submit")]
    Task<JobDetails> SubmitAsync(SignedEnvelope request);

    /// <summary>"job.cancel" signed by the job's renter: stops every rank (the whole process tree).</summary>
    [Alias("Cancel")]
    Task<JobDetails> CancelAsync(SignedEnvelope request);

    /// <summary>The job, or null when no job has this id.</summary>
    [Alias("Get")]
    Task<JobDetails?> GetAsync();

    /// <summary>Output after <paramref name="cursor"/>; waits up to <paramref name="wait"/> for some when there is none yet.</summary>
    [Alias("Logs"), Orleans.Concurrency.AlwaysInterleave]
    Task<LogPage> ReadLogsAsync(long cursor, int max, TimeSpan wait);

    /// <summary>A worker's report on a rank it runs, authenticated by the order's report token.</summary>
    [Alias("Report")]
    Task ReportAsync(Guid reportToken, RankReport report);

    /// <summary>
    /// The call workers made before <see cref="AppendLogsAsync(Guid, int, IReadOnlyList{LogChunk}, bool, bool)"/>, kept
    /// for them: suppliers upgrade their workers on their own schedule, after the silos. Takes the chunks as resent (an
    /// older worker never sends again, so a gap is output lost) and answers nothing.
    /// </summary>
    [Alias("AppendLogs")]
    Task AppendLogsAsync(Guid reportToken, int rank, IReadOnlyList<LogChunk> chunks);

    /// <summary>
    /// A worker's output for a rank, authenticated by the order's report token. Chunk sequences are the worker's own
    /// for this attempt and rank, gapless: chunks that would leave a gap after what the job holds are not taken (the
    /// reply's <see cref="LogAck.Seen"/> says where to resend from), unless <paramref name="resent"/> says they are all
    /// the worker still has, when the gap is recorded as lost output. <paramref name="flush"/> writes the log before
    /// replying (a rank that has exited), so the reply's <see cref="LogAck.Durable"/> covers every chunk taken.
    /// </summary>
    [Alias("AppendLogsAcked")]
    Task<LogAck> AppendLogsAsync(Guid reportToken, int rank, IReadOnlyList<LogChunk> chunks, bool resent, bool flush);

    /// <summary>
    /// The cluster holds all ranks (first placement or after a re-placement): start an attempt on them. The cluster
    /// sends itself along: it waits for this call, so the job must not call back into it (a deadlock until timeout).
    /// </summary>
    [Alias("ClusterReady"), SiloOnly]
    Task ClusterReadyAsync(Clusters.ClusterDetails cluster, string reason);

    /// <summary>A rank's device was lost: the running attempt is over; wait for the cluster to re-place it.</summary>
    [Alias("RankLost"), SiloOnly]
    Task RankLostAsync(int rank, string reason);

    /// <summary>
    /// The start order of <paramref name="rank"/> in the current attempt while it may still run on
    /// <paramref name="deviceId"/>; null once it ended or moved. Devices keep only which orders they hold and ask for
    /// the rest when a worker re-attaches or a rental ends. It reads state only, so it interleaves with a call that
    /// waits on that device.
    /// </summary>
    [Alias("OrderFor"), SiloOnly, Orleans.Concurrency.AlwaysInterleave]
    Task<WorkOrder?> OrderForAsync(string deviceId, int rank);

    /// <summary>The cluster ended (released, expired, failed): a job still going ends with it.</summary>
    [Alias("ClusterEnded"), SiloOnly]
    Task ClusterEndedAsync(string reason);
}

/// <summary>A worker machine's inbox (keyed by a random id the worker chose): orders for its devices, by long poll.</summary>
[Alias("fabric.IWorkerInboxGrain")]
public interface IWorkerInboxGrain : IGrainWithStringKey
{
    /// <summary>Orders after <paramref name="cursor"/>; waits up to <paramref name="wait"/> when there are none.</summary>
    [Alias("Poll"), Orleans.Concurrency.AlwaysInterleave]
    Task<WorkBatch> PollAsync(Guid epoch, long cursor, TimeSpan wait);

    [Alias("Deliver"), SiloOnly]
    Task DeliverAsync(WorkOrder order);
}

/// <summary>A renter's clusters and jobs, newest first (keyed by the renter's address).</summary>
[Alias("fabric.IRenterGrain")]
public interface IRenterGrain : IGrainWithStringKey
{
    [Alias("AddCluster"), SiloOnly]
    Task AddClusterAsync(string clusterId);

    [Alias("AddJob"), SiloOnly]
    Task AddJobAsync(string jobId);

    [Alias("Clusters")]
    Task<Page<string>> ClustersAsync(PageRequest page);

    [Alias("Jobs")]
    Task<Page<string>> JobsAsync(PageRequest page);
}
