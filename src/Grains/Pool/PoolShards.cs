using System.Text;

namespace Fabric.Devices;

/// <summary>Which shard holds a device: FNV-1a of its id, stable across processes and restarts (unlike string.GetHashCode).</summary>
public static class PoolShards
{
    public static int Of(string deviceId, int shards)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(deviceId))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % (uint)shards);
    }
}
