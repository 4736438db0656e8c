using System.Diagnostics;

namespace Fabric.Samples.PoolBenchmark;

/// <summary>The process's memory at one point, read after a full blocking, compacting collection.</summary>
/// <remarks>Live is the GC heap less its fragmentation: what reachable objects take.</remarks>
internal sealed record MemorySnapshot(string Point, double RssMb, double GcHeapMb, double LiveMb, double GcCommittedMb, double PrivateMb, double PeakRssMb)
{
    private const double Mb = 1024 * 1024;

    public static MemorySnapshot Take(string point, bool aggressive = false)
    {
        if (aggressive)
        {
            // Also hands free GC memory back to the OS: the floor the process can shrink to.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        else
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        var info = GC.GetGCMemoryInfo(GCKind.Any);
        using var self = Process.GetCurrentProcess();
        return new MemorySnapshot(point, self.WorkingSet64 / Mb, info.HeapSizeBytes / Mb, (info.HeapSizeBytes - info.FragmentedBytes) / Mb,
            info.TotalCommittedBytes / Mb,
            self.PrivateMemorySize64 / Mb, self.PeakWorkingSet64 / Mb);
    }
}
