using System.Globalization;
using System.Text.RegularExpressions;

namespace Fabric.Worker.Gpus;

/// <summary>One line of <see cref="NvidiaSmiParser.Query"/>'s answer; null where nvidia-smi printed "[N/A]" or similar.</summary>
public sealed record NvidiaSmiGpu(
    string Uuid,
    string Name,
    int MemoryTotalMib,
    string? ComputeCapability,
    int? UtilizationPct,
    int? TemperatureC,
    double? PowerDrawW,
    int? MemoryFreeMib)
{
    /// <summary>The GPU as the worker declares it: the pool's model name, the compute capability (from the table when not reported).</summary>
    public GpuInfo ToInfo() => new(
        Uuid,
        GpuModels.DisplayName(Name),
        MemoryTotalMib,
        ComputeCapability ?? GpuModels.Find(Name)?.ComputeCapability ?? "0.0");

    /// <summary>Live metrics; unreadable values become 0.</summary>
    public GpuMetrics ToMetrics() => new(
        UtilizationPct ?? 0,
        TemperatureC ?? 0,
        PowerDrawW is { } watts ? (int)Math.Round(watts, MidpointRounding.AwayFromZero) : 0,
        MemoryFreeMib ?? 0);
}

/// <summary>
/// Reads the CSV nvidia-smi prints for <see cref="Query"/> with <c>--format=csv,noheader,nounits</c>. Pure: no process,
/// no I/O, so captured outputs can be tested byte for byte.
/// </summary>
public static partial class NvidiaSmiParser
{
    /// <summary>The fields asked for, in order.</summary>
    public static readonly IReadOnlyList<string> Fields =
        ["uuid", "name", "memory.total", "compute_cap", "utilization.gpu", "temperature.gpu", "power.draw", "memory.free"];

    /// <summary>The nvidia-smi arguments whose output <see cref="Parse"/> reads.</summary>
    public static readonly string Query = $"--query-gpu={string.Join(',', Fields)} --format=csv,noheader,nounits";

    [GeneratedRegex(@"^\d{1,2}\.\d{1,2}$")]
    private static partial Regex CapabilityPattern();

    /// <summary>One record per non-blank line, in nvidia-smi's order (its index order).</summary>
    /// <exception cref="NvidiaSmiFormatException">A line is not understood; the message names the line, its number and the field.</exception>
    public static IReadOnlyList<NvidiaSmiGpu> Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var gpus = new List<NvidiaSmiGpu>();
        var lines = output.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (!string.IsNullOrWhiteSpace(line))
            {
                gpus.Add(ParseLine(line, i + 1));
            }
        }

        return gpus;
    }

    private static NvidiaSmiGpu ParseLine(string line, int number)
    {
        var fields = line.Split(',').Select(f => f.Trim()).ToArray();
        if (fields.Length != Fields.Count)
        {
            throw Malformed(number, line, $"expected {Fields.Count} comma-separated fields ({string.Join(", ", Fields)}), found {fields.Length}");
        }

        var uuid = fields[0];
        if (uuid.Length == 0 || Unavailable(uuid) || uuid.Contains(' ', StringComparison.Ordinal))
        {
            throw Malformed(number, line, $"uuid '{uuid}' is not a GPU UUID");
        }

        var name = fields[1];
        if (name.Length == 0 || Unavailable(name))
        {
            throw Malformed(number, line, "the GPU name is missing");
        }

        var memoryTotal = Integer(fields[2], "memory.total", number, line)
                          ?? throw Malformed(number, line, "memory.total is not reported");
        if (memoryTotal <= 0)
        {
            throw Malformed(number, line, $"memory.total {memoryTotal} MiB is not positive");
        }

        string? capability = null;
        if (!Unavailable(fields[3]))
        {
            capability = CapabilityPattern().IsMatch(fields[3])
                ? fields[3]
                : throw Malformed(number, line, $"compute_cap '{fields[3]}' is not like 8.9");
        }

        var utilization = Integer(fields[4], "utilization.gpu", number, line);
        if (utilization is < 0 or > 100)
        {
            throw Malformed(number, line, $"utilization.gpu {utilization} is outside 0 to 100");
        }

        return new NvidiaSmiGpu(
            uuid,
            name,
            memoryTotal,
            capability,
            utilization,
            Integer(fields[5], "temperature.gpu", number, line),
            Number(fields[6], "power.draw", number, line),
            Integer(fields[7], "memory.free", number, line));
    }

    /// <summary>"[N/A]", "[Not Supported]", "[Unknown Error]" and friends: nvidia-smi could not read the value.</summary>
    private static bool Unavailable(string field) =>
        field is "N/A" || (field.StartsWith('[') && field.EndsWith(']'));

    private static int? Integer(string field, string what, int number, string line)
    {
        if (Unavailable(field))
        {
            return null;
        }

        return int.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Malformed(number, line, $"{what} '{field}' is not a whole number");
    }

    private static double? Number(string field, string what, int number, string line)
    {
        if (Unavailable(field))
        {
            return null;
        }

        return double.TryParse(field, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
               && double.IsFinite(value) && value >= 0
            ? value
            : throw Malformed(number, line, $"{what} '{field}' is not a number");
    }

    private static NvidiaSmiFormatException Malformed(int number, string line, string problem)
    {
        var shown = line.Length <= 160 ? line : line[..157] + "...";
        return new NvidiaSmiFormatException(number, $"nvidia-smi output line {number} is not understood: {problem}: \"{shown}\"");
    }
}

/// <summary>nvidia-smi printed something <see cref="NvidiaSmiParser"/> does not understand.</summary>
public sealed class NvidiaSmiFormatException : FormatException
{
    public NvidiaSmiFormatException()
    {
    }

    public NvidiaSmiFormatException(string message) : base(message)
    {
    }

    public NvidiaSmiFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public NvidiaSmiFormatException(int lineNumber, string message) : base(message)
    {
        LineNumber = lineNumber;
    }

    /// <summary>1-based number of the offending line.</summary>
    public int LineNumber { get; }
}
