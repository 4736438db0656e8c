namespace Fabric.Network;

/// <summary>One silo as the membership table records it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.SiloInfo")]
public sealed record SiloInfo
{
    /// <summary>Silo-to-silo endpoint, "host:port".</summary>
    [Id(0)] public required string Address { get; init; }

    /// <summary>Client gateway port; 0 when the silo takes no clients.</summary>
    [Id(1)] public required int GatewayPort { get; init; }
    [Id(2)] public required string Name { get; init; }
    [Id(3)] public required string HostName { get; init; }

    /// <summary>Membership status: Joining, Active, ShuttingDown, Stopping, Dead.</summary>
    [Id(4)] public required string Status { get; init; }
    [Id(5)] public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the silo last wrote that it is alive.</summary>
    [Id(6)] public required DateTimeOffset LastAliveAt { get; init; }
}

/// <summary>The cluster at a glance: its silos and what it holds.</summary>
[GenerateSerializer, Immutable, Alias("fabric.NetworkStatus")]
public sealed record NetworkStatus
{
    [Id(0)] public required IReadOnlyList<SiloInfo> Silos { get; init; }
    [Id(1)] public required int Devices { get; init; }
    /// <summary>Clusters waiting for placement now.</summary>
    [Id(2)] public required int ClustersWaiting { get; init; }

    /// <summary>The network id signed requests must name.</summary>
    [Id(3)] public required string NetworkId { get; init; }

    /// <summary>Devices per status, from the pool index.</summary>
    [Id(4)] public IReadOnlyDictionary<Devices.DeviceStatus, int> DevicesByStatus { get; init; } = new Dictionary<Devices.DeviceStatus, int>();

    /// <summary>Placements made since the scheduler last started.</summary>
    [Id(5)] public long ClustersPlaced { get; init; }
}
