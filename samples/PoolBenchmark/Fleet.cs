using Fabric.Devices;
using Fabric.Ledger;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Samples.PoolBenchmark;

/// <summary>A GPU model the simulated fleet draws from.</summary>
internal sealed record GpuModel(string Name, int VramMib, string ComputeCapability, long BasePrice);

/// <summary>
/// The simulated devices: deterministic specs (model, region, price by device number), owners that each hold many
/// GPUs, and what the driver keeps per device to send heartbeats: its id, session token, VRAM and usual load.
/// </summary>
internal sealed class Fleet
{
    public static readonly GpuModel[] Models =
    [
        new("RTX 4090", 24_564, "8.9", 450_000),
        new("RTX 3090", 24_576, "8.6", 250_000),
        new("RTX 4080", 16_376, "8.9", 330_000),
        new("A100 80GB", 81_920, "8.0", 1_400_000),
        new("H100 80GB", 81_559, "9.0", 2_200_000),
        new("L40S", 46_068, "8.9", 900_000),
        new("A10", 23_028, "8.6", 400_000),
        new("T4", 15_360, "7.5", 150_000),
    ];

    public static readonly string[] Regions = ["eu", "us-east", "us-west", "asia", "sa", "af", "oc", "me"];

    private const int Seed = 20261130;

    private readonly Keypair[] _owners;

    public Fleet(int devices, int owners)
    {
        _owners = new Keypair[owners];
        Parallel.For(0, owners, i => _owners[i] = Keypair.Generate());
        Ids = new string[devices];
        Sessions = new Guid[devices];
        Shards = new int[devices];
        VramMib = new int[devices];
        UsualLoad = new byte[devices];
        Parallel.For(0, devices, i =>
        {
            var spec = SpecOf(i);
            Ids[i] = DeviceIdentity.For(OwnerOf(i).Address, spec.GpuUuid);
            VramMib[i] = spec.VramMib;
            UsualLoad[i] = (byte)new Random(Seed ^ (i * 31 + 7)).Next(0, 101);
        });
    }

    public int Count => Ids.Length;

    public string[] Ids { get; }

    /// <summary>Session tokens from connect; empty until then.</summary>
    public Guid[] Sessions { get; }

    /// <summary>The pool shard each session sends its heartbeats to.</summary>
    public int[] Shards { get; }

    public int[] VramMib { get; }

    /// <summary>Each device's usual GPU utilisation (0-100); heartbeats move around it.</summary>
    public byte[] UsualLoad { get; }

    public Keypair OwnerOf(int device) => _owners[device % _owners.Length];

    /// <summary>Device <paramref name="i"/>'s spec: the same on every run.</summary>
    public static DeviceSpec SpecOf(int i)
    {
        var random = new Random(Seed + i);
        var model = Models[random.Next(Models.Length)];
        Span<byte> uuid = stackalloc byte[16];
        random.NextBytes(uuid);
        return new DeviceSpec
        {
            GpuUuid = $"GPU-{new Guid(uuid)}",
            Model = model.Name,
            VramMib = model.VramMib,
            ComputeCapability = model.ComputeCapability,
            Region = Regions[random.Next(Regions.Length)],
            // Within ±40% of the model's going rate, in 1,000-base-unit steps.
            PricePerHourBaseUnits = model.BasePrice * random.Next(60, 141) / 100 / 1000 * 1000,
            Simulated = true,
            Host = new HostInfo
            {
                CpuModel = "AMD EPYC 7543", CpuCores = 8 << random.Next(3), RamMib = 65_536L << random.Next(3), Os = "Linux 6.8",
                BandwidthMbps = random.Next(100, 10_001), LatencyMs = random.Next(1, 120),
            },
        };
    }

    public SignedEnvelope RegisterRequest(int i, string networkId)
    {
        var spec = SpecOf(i);
        var payload = new DeviceRegisterPayload(Ids[i], spec.GpuUuid, spec.Model, spec.VramMib, spec.ComputeCapability, spec.Region,
            spec.PricePerHourBaseUnits, spec.Simulated, spec.Host.CpuModel, spec.Host.CpuCores, spec.Host.RamMib, spec.Host.Os,
            spec.Host.BandwidthMbps, spec.Host.LatencyMs).Encode();
        return Envelope(SignedRequest.Sign(OwnerOf(i), networkId, DeviceOperations.Register, payload, Expiry()));
    }

    public SignedEnvelope ConnectRequest(int i, string networkId) =>
        Envelope(SignedRequest.Sign(OwnerOf(i), networkId, DeviceOperations.Connect, new DeviceRefPayload(Ids[i]).Encode(), Expiry()));

    /// <summary>
    /// A heartbeat of device <paramref name="i"/>: utilisation within ±<paramref name="jitter"/> of its usual load,
    /// temperature and power following it, the same free VRAM except one beat in 100 (a job allocating 2 GiB), and
    /// traffic counters that only grow.
    /// </summary>
    public Heartbeat Beat(int i, int jitter, long elapsedMs)
    {
        var roll = Random.Shared.Next(1000);
        var utilization = Math.Clamp(UsualLoad[i] + (jitter == 0 ? 0 : roll % (2 * jitter + 1) - jitter), 0, 100);
        var vram = VramMib[i];
        var free = vram - vram * UsualLoad[i] / 200 - (roll < 10 ? 2048 : 0);
        return new Heartbeat
        {
            UtilizationPct = utilization,
            TemperatureC = 35 + utilization / 2,
            PowerW = 60 + utilization * 3,
            FreeVramMib = Math.Max(0, free),
            BytesIn = elapsedMs * (1 + i % 7),
            BytesOut = elapsedMs * (1 + i % 3),
        };
    }

    private static DateTimeOffset Expiry() => DateTimeOffset.UtcNow.AddMinutes(5);

    private static SignedEnvelope Envelope(SignedRequest request) => new()
    {
        Domain = request.Domain,
        NetworkId = request.NetworkId,
        Operation = request.Operation,
        Payload = request.Payload.ToArray(),
        Signer = request.Signer.ToString(),
        RequestId = request.RequestId,
        ExpiresAtUnixMs = request.ExpiresAtUnixMs,
        Signature = request.Signature.ToArray(),
    };
}
