using System.Globalization;
using System.Runtime.InteropServices;
using Fabric.Devices;

namespace Fabric.Worker.Hosting;

/// <summary>The machine the GPUs sit in: CPU, cores, memory, operating system.</summary>
public static class HostProbe
{
    /// <summary>Limit the device grain puts on the CPU model and OS texts.</summary>
    public const int MaxTextLength = 128;

    /// <summary>
    /// This machine, without network figures (<see cref="HostInfo.BandwidthMbps"/> and <see cref="HostInfo.LatencyMs"/>
    /// are 0 until measured).
    /// </summary>
    public static HostInfo Describe() => new()
    {
        CpuModel = Clip(CpuModel()),
        CpuCores = Environment.ProcessorCount,
        RamMib = RamMib(),
        Os = Clip(RuntimeInformation.OSDescription),
        BandwidthMbps = 0,
        LatencyMs = 0,
    };

    /// <summary>The "model name" of the first processor in /proc/cpuinfo text (ARM kernels may say "Model" or nothing); null when absent.</summary>
    public static string? ParseCpuInfo(string cpuinfo)
    {
        ArgumentNullException.ThrowIfNull(cpuinfo);
        foreach (var key in (string[])["model name", "Model", "Hardware"])
        {
            var value = cpuinfo.Split('\n')
                .Select(line => line.Split(':', 2))
                .Where(parts => parts.Length == 2 && parts[0].Trim() == key)
                .Select(parts => parts[1].Trim())
                .FirstOrDefault(v => v.Length > 0);
            if (value is not null)
            {
                return string.Join(' ', value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return null;
    }

    /// <summary>MemTotal from /proc/meminfo text, in MiB; null when absent.</summary>
    public static long? ParseMemInfo(string meminfo)
    {
        ArgumentNullException.ThrowIfNull(meminfo);
        var line = meminfo.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var parts = line?["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: >= 1 } && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib)
            ? kib / 1024
            : null;
    }

    private static string CpuModel()
    {
        if (OperatingSystem.IsLinux() && ReadOrNull("/proc/cpuinfo") is { } cpuinfo && ParseCpuInfo(cpuinfo) is { } model)
        {
            return model;
        }

        // Windows names the processor in its environment; elsewhere the architecture is all that is known cheaply.
        return Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER")
               ?? $"unknown {RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant()} CPU";
    }

    private static long RamMib()
    {
        if (OperatingSystem.IsLinux() && ReadOrNull("/proc/meminfo") is { } meminfo && ParseMemInfo(meminfo) is { } mib)
        {
            return mib;
        }

        // Physical memory as the runtime sees it (in a container: the container's limit).
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024);
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Clip(string text) => text.Length <= MaxTextLength ? text : text[..MaxTextLength];
}
