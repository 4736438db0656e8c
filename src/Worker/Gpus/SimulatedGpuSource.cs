using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Fabric.Wallet;

namespace Fabric.Worker.Gpus;

/// <summary>
/// GPUs that are not there: for trying Fabric on a laptop and for tests. Their UUIDs derive from the owner's key and
/// the index, so the same keypair serves the same simulated devices after every restart; their metrics wander
/// plausibly, each GPU from its own seeded generator.
/// </summary>
public sealed class SimulatedGpuSource : IGpuSource
{
    private readonly IReadOnlyList<GpuInfo> _gpus;
    private readonly IReadOnlyList<SimulatedGpuMetrics> _metrics;
    private readonly Lock _lock = new();

    /// <param name="owner">The devices' owner; fixes the UUIDs.</param>
    /// <param name="count">Number of GPUs, at least 1.</param>
    /// <param name="model">Model name; known models (see <see cref="GpuModels"/>) fill in the rest.</param>
    /// <param name="vramMib">Memory per GPU; required for a model the table does not know.</param>
    /// <param name="firstIndex">
    /// Index of the first GPU in the UUID derivation: one owner simulating several machines gives each its own range,
    /// so their GPUs (and device ids) stay distinct.
    /// </param>
    public SimulatedGpuSource(WalletAddress owner, int count, string model, int? vramMib, int firstIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var known = GpuModels.Find(model);
        var vram = vramMib ?? known?.VramMib
                   ?? throw new ArgumentException($"Model '{model}' is not in the table; give its memory with --vram-mib.", nameof(vramMib));
        var name = known?.Name ?? model.Trim();
        var capability = known?.ComputeCapability ?? "0.0";
        var power = (Idle: known?.IdlePowerW ?? 20, Max: known?.MaxPowerW ?? 300);

        _gpus = [.. Enumerable.Range(firstIndex, count).Select(i => new GpuInfo(UuidFor(owner, i), name, vram, capability))];
        _metrics = [.. _gpus.Select(g => new SimulatedGpuMetrics(SeedFor(g.Uuid), g.VramMib, power.Idle, power.Max))];
    }

    public bool Simulated => true;

    /// <summary>"GPU-SIM-" and a UUID-shaped 128-bit hash of ("fabric-sim-gpu-v1", owner public key, index).</summary>
    public static string UuidFor(WalletAddress owner, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var tag = Encoding.ASCII.GetBytes("fabric-sim-gpu-v1");
        var material = new byte[tag.Length + WalletAddress.Size + sizeof(int)];
        tag.CopyTo(material, 0);
        owner.WriteTo(material.AsSpan(tag.Length));
        BinaryPrimitives.WriteInt32BigEndian(material.AsSpan(tag.Length + WalletAddress.Size), index);
        var hex = Convert.ToHexStringLower(SHA256.HashData(material).AsSpan(0, 16));
        return $"GPU-SIM-{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    public Task<IReadOnlyList<GpuInfo>> DiscoverAsync(CancellationToken cancellationToken) => Task.FromResult(_gpus);

    public Task<IReadOnlyDictionary<string, GpuMetrics>> SampleAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyDictionary<string, GpuMetrics> sample = _gpus
                .Select((g, i) => (g.Uuid, Metrics: _metrics[i].Next()))
                .ToDictionary(x => x.Uuid, x => x.Metrics, StringComparer.Ordinal);
            return Task.FromResult(sample);
        }
    }

    private static int SeedFor(string uuid) => BinaryPrimitives.ReadInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(uuid)));
}

/// <summary>
/// One simulated GPU's metrics: load alternates between idle and busy spells and wanders within them; temperature
/// follows load with lag; power and used memory follow load. Deterministic for a seed. Not thread-safe.
/// </summary>
public sealed class SimulatedGpuMetrics
{
    public const int AmbientC = 30;
    public const int MaxTemperatureC = 86;

    private readonly Random _random;
    private readonly int _vramMib;
    private readonly int _idlePowerW;
    private readonly int _maxPowerW;
    private bool _busy;
    private double _utilization;
    private double _temperature = AmbientC + 5;

    public SimulatedGpuMetrics(int seed, int vramMib, int idlePowerW, int maxPowerW)
    {
#pragma warning disable CA5394 // Simulated metrics, not security: a seeded generator keeps them reproducible.
        _random = new Random(seed);
#pragma warning restore CA5394
        _vramMib = vramMib;
        _idlePowerW = idlePowerW;
        _maxPowerW = Math.Max(idlePowerW, maxPowerW);
    }

    /// <summary>The next reading (one heartbeat later).</summary>
    public GpuMetrics Next()
    {
#pragma warning disable CA5394
        // Spells: a busy spell ends with 10% chance per beat, an idle one with 5%.
        if (_random.NextDouble() < (_busy ? 0.10 : 0.05))
        {
            _busy = !_busy;
        }

        var target = _busy ? 70 + (_random.NextDouble() * 30) : _random.NextDouble() * 8;
        _utilization = Math.Clamp(_utilization + ((target - _utilization) * 0.5) + ((_random.NextDouble() - 0.5) * 6), 0, 100);

        // Temperature moves a third of the way towards what the load would settle at.
        var settled = AmbientC + (_utilization * 0.5) + ((_random.NextDouble() - 0.5) * 2);
        _temperature = Math.Clamp(_temperature + ((settled - _temperature) / 3), AmbientC - 5, MaxTemperatureC);

        var power = _idlePowerW + ((_maxPowerW - _idlePowerW) * _utilization / 100) + ((_random.NextDouble() - 0.5) * 4);

        // A few hundred MiB for the driver's context, then up to 90% of the rest with load.
        var used = 300 + ((_vramMib - 300) * 0.9 * _utilization / 100);
        var free = Math.Clamp(_vramMib - used, 0, _vramMib);
#pragma warning restore CA5394

        return new GpuMetrics(
            (int)Math.Round(_utilization),
            (int)Math.Round(_temperature),
            (int)Math.Round(Math.Clamp(power, 0, _maxPowerW)),
            (int)free);
    }
}
