namespace Fabric.Verification;

/// <summary>A device's performance class, by the hash rate it showed. Values are fixed because they are stored.</summary>
public enum PerformanceTier
{
    /// <summary>No passed verification (or no rate) to go by.</summary>
    Unverified = 0,

    /// <summary>Any positive rate below <see cref="Medium"/>: CPUs, simulated devices, small or old GPUs.</summary>
    Low = 1,

    Medium = 2,

    High = 3,

    Ultra = 4,
}
