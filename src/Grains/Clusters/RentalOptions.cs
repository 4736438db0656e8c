namespace Fabric.Clusters;

/// <summary>Renting: placement, leases, settlement and limits. Bound from "Fabric:Rental".</summary>
public sealed class RentalOptions
{
    public const string Section = "Fabric:Rental";

    /// <summary>How long a reserved, uncommitted lease holds a device before it frees itself.</summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running cluster pays its suppliers for the GPU-time used.</summary>
    public TimeSpan SettleEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A waiting request gains one priority level per this much waiting, so low never starves.</summary>
    public TimeSpan AgingStep { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often waiting requests try again when nothing nudged the scheduler.</summary>
    public TimeSpan RetryEvery { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Placements the scheduler runs at once.</summary>
    public int MaxConcurrentPlacements { get; set; } = 64;

    /// <summary>Tries within one placement when leases conflict (Polly, exponential backoff with jitter).</summary>
    public int PlacementAttempts { get; set; } = 4;

    public TimeSpan PlacementBackoff { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Pool shards a first placement try scans (0: all). Scoring the best of a random few shards costs a fraction of a
    /// scan of the whole pool and finds as good a device in a large pool; a short sample falls back to every shard.
    /// </summary>
    public int SampleShards { get; set; } = 2;

    public int MaxGpus { get; set; } = 1024;

    public int MaxHours { get; set; } = 24 * 30;

    /// <summary>
    /// USD per IO for IO payers when the price oracle has no price observed within <see cref="IoPriceMaxAge"/> (a new
    /// network, an oracle that stopped): converts IOSD prices into IO at deploy.
    /// </summary>
    public decimal IoPriceUsd { get; set; } = 2.00m;

    /// <summary>How old the oracle's price may be and still convert an IO payer's escrow.</summary>
    public TimeSpan IoPriceMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often a job writes the output its workers sent since its last write. Workers keep what is not written yet
    /// and send it again to a job whose silo died, so a longer interval costs fewer writes, not output.
    /// </summary>
    public TimeSpan LogWriteEvery { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Port rank 0 listens on for the other ranks (FABRIC_MASTER_PORT).</summary>
    public int MasterPort { get; set; } = 29500;

    public ScoreWeights Weights { get; set; } = new();

    public void Validate()
    {
        Require(LeaseTtl > TimeSpan.Zero, "Fabric:Rental:LeaseTtl must be positive.");
        Require(SettleEvery >= TimeSpan.FromMinutes(1), "Fabric:Rental:SettleEvery must be at least a minute (reminder resolution).");
        Require(AgingStep > TimeSpan.Zero && RetryEvery > TimeSpan.Zero, "Fabric:Rental:AgingStep and RetryEvery must be positive.");
        Require(MaxConcurrentPlacements is >= 1 and <= 4096, "Fabric:Rental:MaxConcurrentPlacements must be 1 to 4096.");
        Require(PlacementAttempts is >= 1 and <= 20, "Fabric:Rental:PlacementAttempts must be 1 to 20.");
        Require(SampleShards >= 0, "Fabric:Rental:SampleShards must not be negative.");
        Require(MaxGpus >= 1 && MaxHours >= 1, "Fabric:Rental:MaxGpus and MaxHours must be positive.");
        Require(IoPriceUsd > 0, "Fabric:Rental:IoPriceUsd must be positive.");
        Require(IoPriceMaxAge > TimeSpan.Zero, "Fabric:Rental:IoPriceMaxAge must be positive.");
        Require(LogWriteEvery > TimeSpan.Zero, "Fabric:Rental:LogWriteEvery must be positive.");
        Require(MasterPort is > 0 and < 65536, "Fabric:Rental:MasterPort must be a TCP port.");
        Weights.Validate();
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}

/// <summary>How much each part of a candidate's score counts (all parts are 0 to 1, higher is better).</summary>
public sealed class ScoreWeights
{
    public double Price { get; set; } = 0.4;
    public double Tier { get; set; } = 0.25;
    public double Reputation { get; set; } = 0.15;
    public double Region { get; set; } = 0.1;
    public double Load { get; set; } = 0.1;

    public void Validate()
    {
        if (Price < 0 || Tier < 0 || Reputation < 0 || Region < 0 || Load < 0 || Price + Tier + Reputation + Region + Load <= 0)
        {
            throw new InvalidOperationException("Fabric:Rental:Weights must be non-negative and not all zero.");
        }
    }
}
