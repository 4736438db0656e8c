using System.Runtime.CompilerServices;
using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Jobs;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Client;

/// <summary>What a renter asks for when deploying a cluster (or the implicit cluster of a job).</summary>
public sealed record ClusterRequest
{
    public required int Gpus { get; init; }
    public IReadOnlyList<string> Models { get; init; } = [];
    public int MinVramMib { get; init; }
    public string? Region { get; init; }

    /// <summary>IOSD base units per GPU-hour; null lets the network size the escrow at today's price.</summary>
    public long? MaxPricePerHour { get; init; }
    public required int Hours { get; init; }
    public Money.Token Pay { get; init; } = Money.Token.IOSD;
    public Priority Priority { get; init; } = Priority.Normal;
    public bool Cheap { get; init; }
}

/// <summary>Renting: clusters and jobs, every change signed with the renter's keypair.</summary>
public sealed partial class FabricClient
{
    /// <summary>Deploys a cluster under <paramref name="clusterId"/>: escrows its cost and queues its placement.</summary>
    public Task<ClusterDetails> DeployClusterAsync(
        Keypair renter, string clusterId, ClusterRequest request, CancellationToken cancellationToken = default) =>
        DeployAsync(renter, clusterId, request, forJob: "", cancellationToken);

    /// <summary>Adds hours to a cluster (escrowing them first).</summary>
    public Task<ClusterDetails> ExtendClusterAsync(Keypair renter, string clusterId, int hours, CancellationToken cancellationToken = default) =>
        ChangeClusterAsync(renter, RentalOperations.Extend, clusterId, hours, cancellationToken);

    /// <summary>Ends a cluster now: pays for the time used and returns the rest of the escrow.</summary>
    public Task<ClusterDetails> ReleaseClusterAsync(Keypair renter, string clusterId, CancellationToken cancellationToken = default) =>
        ChangeClusterAsync(renter, RentalOperations.Release, clusterId, 0, cancellationToken);

    /// <summary>Rates the devices of a cluster, 1 to 5 stars (once per cluster).</summary>
    public Task<ClusterDetails> RateClusterAsync(Keypair renter, string clusterId, int stars, CancellationToken cancellationToken = default) =>
        ChangeClusterAsync(renter, RentalOperations.Rate, clusterId, stars, cancellationToken);

    public Task<ClusterDetails?> GetClusterAsync(string clusterId, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IClusterGrain>(clusterId).GetAsync(), cancellationToken);

    /// <summary>Why a cluster was placed where it was, or why it waits (with its place in the queue, -1 when not queued).</summary>
    public async Task<(PlacementReport? Report, int QueuePosition)> ExplainClusterAsync(string clusterId, CancellationToken cancellationToken = default)
    {
        var report = await CallAsync(c => c.GetGrain<IClusterGrain>(clusterId).ExplainAsync(), cancellationToken);
        var position = await CallAsync(c => c.GetGrain<ISchedulerGrain>(ISchedulerGrain.NetworkKey).PositionAsync(clusterId), cancellationToken);
        return (report, position);
    }

    public Task<Page<string>> ListClusterIdsAsync(WalletAddress renter, PageRequest page, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IRenterGrain>(renter.ToString()).ClustersAsync(page), cancellationToken);

    public Task<Page<string>> ListJobIdsAsync(WalletAddress renter, PageRequest page, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IRenterGrain>(renter.ToString()).JobsAsync(page), cancellationToken);

    /// <summary>Submits a job to an existing cluster of the renter's; resubmitting the same job is safe.</summary>
    public async Task<JobDetails> SubmitJobAsync(
        Keypair renter, string jobId, string clusterId, IReadOnlyList<string> command, CancellationToken cancellationToken = default)
    {
        var request = await SignAsync(renter, RentalOperations.Submit, new JobSubmitPayload(jobId, clusterId, command).Encode(), cancellationToken: cancellationToken);
        return await CallAsync(c => c.GetGrain<IJobGrain>(jobId).SubmitAsync(ToEnvelope(request)), cancellationToken);
    }

    /// <summary>
    /// Runs a job on a cluster of its own (named after the job, "job-cluster-" + id), which ends when the job does:
    /// the escrow covers <see cref="ClusterRequest.Hours"/> and only the time used is paid.
    /// </summary>
    public async Task<JobDetails> SubmitJobAsync(
        Keypair renter, string jobId, ClusterRequest request, IReadOnlyList<string> command, CancellationToken cancellationToken = default)
    {
        var clusterId = ImplicitClusterId(jobId);
        await DeployAsync(renter, clusterId, request, forJob: jobId, cancellationToken);
        return await SubmitJobAsync(renter, jobId, clusterId, command, cancellationToken);
    }

    /// <summary>The id of the implicit cluster of a job submitted without one.</summary>
    public static string ImplicitClusterId(string jobId) => $"for-{jobId}"[..Math.Min(64, jobId.Length + 4)];

    /// <summary>Cancels a job: every rank's process tree is killed. Only its renter can.</summary>
    public async Task<JobDetails> CancelJobAsync(Keypair renter, string jobId, CancellationToken cancellationToken = default)
    {
        var request = await SignAsync(renter, RentalOperations.Cancel, new JobRefPayload(jobId).Encode(), cancellationToken: cancellationToken);
        return await CallAsync(c => c.GetGrain<IJobGrain>(jobId).CancelAsync(ToEnvelope(request)), cancellationToken);
    }

    /// <summary>A job, or null when unknown.</summary>
    public Task<JobDetails?> GetJobAsync(string jobId, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IJobGrain>(jobId).GetAsync(), cancellationToken);

    /// <summary>Output after <paramref name="cursor"/>, waiting up to <paramref name="wait"/> for some.</summary>
    public Task<LogPage> ReadLogsAsync(string jobId, long cursor, TimeSpan wait, int max = 1000, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IJobGrain>(jobId).ReadLogsAsync(cursor, max, wait), cancellationToken);

    /// <summary>Every chunk of a job's output from the start; with <paramref name="follow"/>, until the job ends.</summary>
    public async IAsyncEnumerable<LogChunk> StreamLogsAsync(
        string jobId, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long cursor = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var page = await ReadLogsAsync(jobId, cursor, follow ? TimeSpan.FromSeconds(15) : TimeSpan.Zero, cancellationToken: cancellationToken);
            foreach (var chunk in page.Chunks)
            {
                yield return chunk;
            }

            cursor = page.Next;
            if (page.Complete || (!follow && page.Chunks.Count == 0))
            {
                yield break;
            }
        }
    }

    /// <summary>The network's placement queue.</summary>
    public Task<QueueView> GetQueueAsync(int take, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<ISchedulerGrain>(ISchedulerGrain.NetworkKey).ViewAsync(take), cancellationToken);

    /// <summary>Worker side: receive orders for this worker's devices.</summary>
    public Task<WorkBatch> PollWorkAsync(string inbox, Guid epoch, long cursor, TimeSpan wait, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IWorkerInboxGrain>(inbox).PollAsync(epoch, cursor, wait), cancellationToken);

    /// <summary>Worker side: route a device's orders to this worker's inbox; returns the device's current orders.</summary>
    public Task<IReadOnlyList<WorkOrder>> AttachWorkerAsync(string deviceId, Guid session, string inbox, string address, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IDeviceGrain>(deviceId).AttachWorkerAsync(session, inbox, address), cancellationToken);

    /// <summary>Worker side: a rank's process started, exited, or could not start.</summary>
    public Task ReportRankAsync(Guid reportToken, RankReport report, CancellationToken cancellationToken = default) =>
        CallAsync(async c => { await c.GetGrain<IJobGrain>(report.JobId).ReportAsync(reportToken, report); return true; }, cancellationToken);

    /// <summary>Worker side: a rank's output; the reply says how much of it the job holds, and how much it has stored.</summary>
    public Task<LogAck> AppendLogsAsync(string jobId, Guid reportToken, int rank, IReadOnlyList<LogChunk> chunks, bool resent = false, bool flush = false,
        CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IJobGrain>(jobId).AppendLogsAsync(reportToken, rank, chunks, resent, flush), cancellationToken);

    private async Task<ClusterDetails> DeployAsync(Keypair renter, string clusterId, ClusterRequest r, string forJob, CancellationToken cancellationToken)
    {
        var payload = new ClusterDeployPayload(clusterId, r.Gpus, string.Join(',', r.Models), r.MinVramMib, r.Region ?? "",
            r.MaxPricePerHour ?? -1, r.Hours, r.Pay.ToString(), r.Priority.ToString().ToLowerInvariant(), r.Cheap, forJob);
        var request = await SignAsync(renter, RentalOperations.Deploy, payload.Encode(), cancellationToken: cancellationToken);
        return await CallAsync(c => c.GetGrain<IClusterGrain>(clusterId).DeployAsync(ToEnvelope(request)), cancellationToken);
    }

    private async Task<ClusterDetails> ChangeClusterAsync(Keypair renter, string operation, string clusterId, long value, CancellationToken cancellationToken)
    {
        var request = await SignAsync(renter, operation, new ClusterChangePayload(clusterId, value).Encode(), cancellationToken: cancellationToken);
        return await CallAsync(c => c.GetGrain<IClusterGrain>(clusterId).ChangeAsync(ToEnvelope(request)), cancellationToken);
    }
}
