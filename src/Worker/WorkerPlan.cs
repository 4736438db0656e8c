using Fabric.Devices;
using Fabric.Money;
using Fabric.Wallet;
using Fabric.Worker.Gpus;
using Fabric.Worker.Hosting;

namespace Fabric.Worker;

/// <summary>What this worker serves, settled before it starts: the owner's key, the GPUs, the machine, price and region.</summary>
public sealed record WorkerPlan
{
    /// <summary>Region declared when neither --region nor an earlier registration says.</summary>
    public const string DefaultRegion = "unknown";

    public required Keypair Owner { get; init; }

    public required IGpuSource Source { get; init; }

    public required IReadOnlyList<GpuInfo> Gpus { get; init; }

    /// <summary>The machine; latency is filled in once connected.</summary>
    public required HostInfo Host { get; init; }

    /// <summary>--price in IOSD base units; null when not given.</summary>
    public required long? Price { get; init; }

    /// <summary>--region; null when not given.</summary>
    public required string? Region { get; init; }

    /// <summary>Reads the keypair and finds the GPUs (nvidia-smi, or the simulation).</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="realGpus">Makes the nvidia-smi source (tests pass a fake); default: the nvidia-smi on PATH.</param>
    /// <param name="cancellationToken">Stops the GPU discovery.</param>
    /// <exception cref="WorkerSetupException">Unreadable keypair, no nvidia-smi, malformed output, no GPU.</exception>
    public static async Task<WorkerPlan> PrepareAsync(
        WorkerOptions options, Func<IGpuSource>? realGpus = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Keypair owner;
        try
        {
            owner = KeypairFile.Read(options.Keypair!);
        }
        catch (WalletException e)
        {
            throw new WorkerSetupException($"{e.Message} Create one with 'fabric wallet new --outfile FILE'.", e);
        }

        IGpuSource source = options.Simulate > 0
            ? new SimulatedGpuSource(owner.Address, options.Simulate, options.Model!, options.VramMib)
            : (realGpus ?? NvidiaSmiGpuSource.FromPath)();
        var gpus = await source.DiscoverAsync(cancellationToken);

        return new WorkerPlan
        {
            Owner = owner,
            Source = source,
            Gpus = gpus,
            Host = HostProbe.Describe(),
            Price = options.Price is { } price ? Token.IOSD.ToBaseUnits(price) : null,
            Region = options.Region,
        };
    }

    /// <summary>What registering <paramref name="gpu"/> declares.</summary>
    public DeviceSpec SpecFor(GpuInfo gpu, HostInfo host) => new()
    {
        GpuUuid = gpu.Uuid,
        Model = gpu.Model,
        VramMib = gpu.VramMib,
        ComputeCapability = gpu.ComputeCapability,
        Region = Region ?? DefaultRegion,
        PricePerHourBaseUnits = Price ?? 0,
        Simulated = Source.Simulated,
        Host = host,
    };
}
