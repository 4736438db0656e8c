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
        // Where the free space is (standard error, beside the progress lines): gen0, gen1, gen2, large and pinned object heaps.
        string[] names = ["gen0", "gen1", "gen2", "LOH", "POH"];
        var generations = info.GenerationInfo.ToArray();
        Console.Error.WriteLine($"  memory at '{point}': heap {info.HeapSizeBytes / Mb:0} MB, committed {info.TotalCommittedBytes / Mb:0} MB; size/free after GC, MB: "
            + string.Join(", ", Enumerable.Range(0, Math.Min(names.Length, generations.Length))
                .Select(g => $"{names[g]} {generations[g].SizeAfterBytes / Mb:0}/{generations[g].FragmentationAfterBytes / Mb:0}")));
        using var self = Process.GetCurrentProcess();
        return new MemorySnapshot(point, self.WorkingSet64 / Mb, info.HeapSizeBytes / Mb, (info.HeapSizeBytes - info.FragmentedBytes) / Mb,
            info.TotalCommittedBytes / Mb,
            self.PrivateMemorySize64 / Mb, self.PeakWorkingSet64 / Mb);
    }
}
