namespace Fabric.Worker.Gpus;

/// <summary>What the worker knows of a GPU model: its CUDA compute capability, memory and board power.</summary>
/// <param name="Name">The canonical name the pool lists, e.g. "RTX 4090".</param>
/// <param name="ComputeCapability">CUDA compute capability, e.g. "8.9".</param>
/// <param name="VramMib">Memory as nvidia-smi reports it for the common board, in MiB.</param>
/// <param name="IdlePowerW">Typical draw when idle, in watts (simulated metrics only).</param>
/// <param name="MaxPowerW">Board power limit, in watts (simulated metrics only).</param>
public sealed record GpuModel(string Name, string ComputeCapability, int VramMib, int IdlePowerW, int MaxPowerW);

/// <summary>
/// A small table of common models, from NVIDIA's published specifications. It names real GPUs consistently
/// ("NVIDIA GeForce RTX 4090" → "RTX 4090"), fills in a compute capability an old driver does not report, and gives
/// simulated GPUs believable numbers.
/// </summary>
public static class GpuModels
{
    private static readonly GpuModel[] Table =
    [
        new("B200", "10.0", 183359, 140, 1000),
        new("H200", "9.0", 143771, 90, 700),
        new("H100", "9.0", 81559, 70, 700),
        new("A100 80GB", "8.0", 81920, 50, 400),
        new("A100 40GB", "8.0", 40960, 50, 400),
        new("L40S", "8.9", 46068, 35, 350),
        new("L4", "8.9", 23034, 16, 72),
        new("A10", "8.6", 23028, 20, 150),
        new("T4", "7.5", 15360, 10, 70),
        new("V100", "7.0", 16384, 25, 300),
        new("RTX A6000", "8.6", 49140, 25, 300),
        new("RTX 6000 Ada", "8.9", 49140, 25, 300),
        new("RTX 5090", "12.0", 32607, 30, 575),
        new("RTX 4090", "8.9", 24564, 20, 450),
        new("RTX 4080", "8.9", 16376, 15, 320),
        new("RTX 4070 Ti", "8.9", 12282, 12, 285),
        new("RTX 3090", "8.6", 24576, 25, 350),
        new("RTX 3080", "8.6", 10240, 20, 320),
    ];

    /// <summary>Every known model, for help texts and error messages.</summary>
    public static IReadOnlyList<GpuModel> All => Table;

    /// <summary>
    /// The model named <paramref name="name"/>, ignoring case, "NVIDIA", "GeForce", "Tesla" or "Quadro" in front, and repeated spaces
    /// ("NVIDIA A100-SXM4-80GB" → "A100 80GB", "NVIDIA H100 80GB HBM3" → "H100"); null when unknown.
    /// </summary>
    public static GpuModel? Find(string name)
    {
        var key = Normalize(name);
        var exact = Table.FirstOrDefault(m => string.Equals(m.Name, key, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact;
        }

        // Board variants ("H100 80GB HBM3", "A100-SXM4-80GB", "H100 PCIe"): the longest table name whose words all
        // appear, in order, at the start of the reported name's words, with memory sizes matched where the table has one.
        var words = key.Replace('-', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return Table
            .Where(m => Matches(m.Name.Split(' '), words))
            .OrderByDescending(m => m.Name.Length)
            .FirstOrDefault();
    }

    /// <summary>The name the pool should list: the table's when the model is known, else the reported one, tidied.</summary>
    public static string DisplayName(string reported) => Find(reported)?.Name ?? Normalize(reported);

    private static bool Matches(string[] modelWords, string[] reportedWords)
    {
        // The first word must lead ("A100", "RTX"); later words of the model (e.g. "80GB", "Ti") must appear somewhere.
        if (reportedWords.Length == 0 || !string.Equals(modelWords[0], reportedWords[0], StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return modelWords.Skip(1).All(w => reportedWords.Skip(1).Contains(w, StringComparer.OrdinalIgnoreCase));
    }

    private static string Normalize(string name)
    {
        var words = name.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        foreach (var prefix in (string[])["NVIDIA", "GeForce", "Tesla", "Quadro"])
        {
            if (words.Count > 1 && string.Equals(words[0], prefix, StringComparison.OrdinalIgnoreCase))
            {
                words.RemoveAt(0);
            }
        }

        return string.Join(' ', words);
    }
}
