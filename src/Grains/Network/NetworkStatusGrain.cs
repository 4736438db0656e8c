using Fabric.Devices;
using Fabric.Clusters;
using Fabric.Ledger;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Fabric.Network;

/// <summary>Composes the cluster view from membership and the directories.</summary>
[StatelessWorker]
public sealed class NetworkStatusGrain(IOptions<NetworkOptions> network) : Grain, INetworkStatusGrain
{
    public async Task<NetworkStatus> GetAsync(bool includeDead)
    {
        var management = GrainFactory.GetGrain<IManagementGrain>(0);
        var hosts = management.GetDetailedHosts(onlyActive: false);
        var devices = GrainFactory.GetGrain<IPoolGrain>(0).CountsAsync();
        var queue = GrainFactory.GetGrain<ISchedulerGrain>(ISchedulerGrain.NetworkKey).ViewAsync(0);

        var silos = (await hosts)
            .Where(h => includeDead || h.Status != SiloStatus.Dead)
            .OrderBy(h => h.Status == SiloStatus.Dead)
            .ThenBy(h => h.SiloAddress.ToString(), StringComparer.Ordinal)
            .Select(h => new SiloInfo
            {
                Address = $"{h.SiloAddress.Endpoint.Address}:{h.SiloAddress.Endpoint.Port}",
                GatewayPort = h.ProxyPort,
                Name = h.SiloName,
                HostName = h.HostName,
                Status = h.Status.ToString(),
                StartedAt = new DateTimeOffset(DateTime.SpecifyKind(h.StartTime, DateTimeKind.Utc)),
                LastAliveAt = new DateTimeOffset(DateTime.SpecifyKind(h.IAmAliveTime, DateTimeKind.Utc)),
            })
            .ToList();

        return new NetworkStatus { Silos = silos, Devices = (await devices).Total,
            DevicesByStatus = (await devices).ByStatus, ClustersWaiting = (await queue).Waiting, ClustersPlaced = (await queue).Placed, NetworkId = network.Value.Id };
    }
}
