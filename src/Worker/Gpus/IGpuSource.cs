namespace Fabric.Worker.Gpus;

/// <summary>Where GPUs and their live metrics come from: nvidia-smi, or a simulation.</summary>
public interface IGpuSource
{
    /// <summary>True for simulated GPUs (labelled as such in the pool; solved with one thread each).</summary>
    bool Simulated { get; }

    /// <summary>The GPUs to serve, in a stable order.</summary>
    /// <exception cref="WorkerSetupException">None found, or the tool's answer is unusable; the message says why.</exception>
    Task<IReadOnlyList<GpuInfo>> DiscoverAsync(CancellationToken cancellationToken);

    /// <summary>Current metrics of every GPU, keyed by UUID, read together in one go.</summary>
    Task<IReadOnlyDictionary<string, GpuMetrics>> SampleAsync(CancellationToken cancellationToken);
}

/// <summary>One GPU as the worker declares it.</summary>
/// <param name="Uuid">The GPU's UUID ("GPU-..."); with the owner it fixes the device id.</param>
/// <param name="Model">The name the pool lists, e.g. "RTX 4090".</param>
/// <param name="VramMib">Total memory in MiB.</param>
/// <param name="ComputeCapability">CUDA compute capability, e.g. "8.9" ("0.0" when unknown).</param>
public sealed record GpuInfo(string Uuid, string Model, int VramMib, string ComputeCapability);

/// <summary>Live health of one GPU; a value the tool could not read is 0.</summary>
public sealed record GpuMetrics(int UtilizationPct, int TemperatureC, int PowerW, int FreeVramMib)
{
    public static readonly GpuMetrics Unknown = new(0, 0, 0, 0);
}
