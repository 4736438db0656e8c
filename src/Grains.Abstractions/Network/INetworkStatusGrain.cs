namespace Fabric.Network;

/// <summary>Answers "what does the cluster look like"; stateless, runs on whichever silo is asked.</summary>
[Alias("fabric.INetworkStatusGrain")]
public interface INetworkStatusGrain : IGrainWithIntegerKey
{
    /// <summary>Silos from the membership table (dead ones only when asked) and counts of devices and jobs.</summary>
    [Alias("Get")]
    Task<NetworkStatus> GetAsync(bool includeDead);
}
