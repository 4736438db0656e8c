using Fabric.Clusters;

namespace Fabric.Tests.Rentals;

/// <summary>
/// Test-only grain that asks the scheduler for an admission grain to grain, as a deploying cluster does, and then never
/// reports: a cluster whose silo died mid-placement.
/// </summary>
[Alias("fabric.tests.ISchedulerRelayGrain")]
public interface ISchedulerRelayGrain : IGrainWithIntegerKey
{
    [Alias("Admit")]
    Task<bool> AdmitAsync(QueueEntry entry);
}

public sealed class SchedulerRelayGrain : Grain, ISchedulerRelayGrain
{
    public Task<bool> AdmitAsync(QueueEntry entry) => GrainFactory.GetGrain<ISchedulerGrain>(ISchedulerGrain.NetworkKey).AdmitAsync(entry);
}
