using Fabric.Ledger;
using Fabric.Wallet.Requests;
using static Fabric.Rejections;

namespace Fabric.Clusters;

/// <summary>What a deploy request must meet before anything is held or stored.</summary>
internal static class ClusterRules
{
    /// <summary>Largest VRAM a filter may ask for (10 TiB): beyond it no GPU exists.</summary>
    public const int MaxVramMib = 10 * 1024 * 1024;

    public static ClusterSpec SpecFrom(ClusterDeployPayload p, RentalOptions options)
    {
        Require(IdRules.IsValid(p.ClusterId), $"Cluster id '{p.ClusterId}' is not valid: {IdRules.Description}.");
        Require(p.Gpus >= 1 && p.Gpus <= options.MaxGpus, $"GPUs must be 1 to {options.MaxGpus} (got {p.Gpus}).");
        Require(p.Hours >= 1 && p.Hours <= options.MaxHours, $"Hours must be 1 to {options.MaxHours} (got {p.Hours}).");
        Require(p.MinVramMib is >= 0 and <= MaxVramMib, $"Minimum VRAM must be 0 to {MaxVramMib} MiB (got {p.MinVramMib}).");
        Require(p.MaxPricePerHour >= -1, $"Maximum price must not be negative (got {p.MaxPricePerHour}).");
        Require(p.Region.Length <= 32, "Region must be at most 32 characters.");
        Require(p.ForJob.Length == 0 || IdRules.IsValid(p.ForJob), $"Job id '{p.ForJob}' is not valid: {IdRules.Description}.");
        var models = p.Models.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Require(models.Length <= Devices.PoolFilter.MaxModels && models.All(m => m.Length <= 64),
            $"At most {Devices.PoolFilter.MaxModels} models of up to 64 characters each.");
        var priority = p.Priority.ToLowerInvariant() switch
        {
            "low" => Priority.Low,
            "normal" or "" => Priority.Normal,
            "high" => Priority.High,
            "urgent" => Priority.Urgent,
            _ => throw new FabricRejectedException($"Unknown priority '{p.Priority}': use low, normal, high or urgent."),
        };
        Require(!p.Cheap || p.MaxPricePerHour >= 0, "A cheap request waits for capacity at or under its price: give a maximum price.");
        return new ClusterSpec
        {
            Gpus = (int)p.Gpus,
            Models = models,
            MinVramMib = (int)p.MinVramMib,
            Region = p.Region.Length == 0 ? null : p.Region,
            MaxPricePerHour = p.MaxPricePerHour < 0 ? null : p.MaxPricePerHour,
            Hours = (int)p.Hours,
            Pay = SignedRequestGate.ParseToken(p.PayToken),
            Priority = priority,
            Cheap = p.Cheap,
            ForJob = p.ForJob.Length == 0 ? null : p.ForJob,
        };
    }

    /// <summary>Equal specs (records compare lists by reference; requests compare them by content).</summary>
    public static bool Same(ClusterSpec a, ClusterSpec b) =>
        a.Models.SequenceEqual(b.Models, StringComparer.Ordinal) && a with { Models = [] } == b with { Models = [] };
}
