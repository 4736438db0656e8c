using Fabric.Devices;
using Fabric.Jobs;
using Fabric.Worker.Jobs;

namespace Fabric.Tests.Worker;

/// <summary>The worker's work calls, wired straight to the test cluster's grains.</summary>
public sealed class ClusterWorkApi(IGrainFactory grains) : IWorkApi
{
    public Task<IReadOnlyList<WorkOrder>> AttachAsync(string deviceId, Guid session, string inbox, string address, CancellationToken cancellationToken) =>
        grains.GetGrain<IDeviceGrain>(deviceId).AttachWorkerAsync(session, inbox, address);

    public Task<WorkBatch> PollAsync(string inbox, Guid epoch, long cursor, TimeSpan wait, CancellationToken cancellationToken) =>
        grains.GetGrain<IWorkerInboxGrain>(inbox).PollAsync(epoch, cursor, wait < TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1));

    public Task ReportAsync(Guid token, RankReport report, CancellationToken cancellationToken) =>
        grains.GetGrain<IJobGrain>(report.JobId).ReportAsync(token, report);

    public Task<LogAck> AppendLogsAsync(string jobId, Guid token, int rank, IReadOnlyList<Fabric.Jobs.LogChunk> chunks, bool resent, bool flush, CancellationToken cancellationToken) =>
        grains.GetGrain<IJobGrain>(jobId).AppendLogsAsync(token, rank, chunks, resent, flush);
}
