using Fabric.Devices;

namespace Fabric.Tests.Pool;

/// <summary>Summaries for pool tests: one online, verified, free RTX 4090 in "eu" unless told otherwise.</summary>
internal static class PoolSamples
{
    public static string NewOwner() => $"pool-owner-{Guid.NewGuid():N}";

    public static DeviceSummary Summary(
        string id,
        string owner = "owner",
        string model = "RTX 4090",
        int vramMib = 24_576,
        string region = "eu",
        long price = 450_000,
        DeviceStatus status = DeviceStatus.Online,
        DeviceTier tier = DeviceTier.Medium,
        int gpusFree = 1,
        bool simulated = false) => new()
        {
            Id = id,
            Owner = owner,
            Model = model,
            VramMib = vramMib,
            FreeVramMib = vramMib,
            Region = region,
            PricePerHourBaseUnits = price,
            Status = status,
            Tier = tier,
            Reputation = 50,
            LoadPct = 0,
            GpusFree = gpusFree,
            Simulated = simulated,
            Name = $"name of {id}",
        };

    /// <summary>The pool query's meaning written the plainest way, as the oracle for properties and tests.</summary>
    public static Page<DeviceSummary> BruteForce(IEnumerable<DeviceSummary> devices, PoolQuery q)
    {
        var matches = devices.Where(d =>
                (q.Models.Count == 0 || q.Models.Any(m => string.Equals(m, d.Model, StringComparison.OrdinalIgnoreCase)))
                && d.VramMib >= q.MinVramMib
                && (string.IsNullOrEmpty(q.Region) || d.Region == q.Region)
                && (q.MaxPricePerHourBaseUnits is null || d.PricePerHourBaseUnits <= q.MaxPricePerHourBaseUnits)
                && (!q.VerifiedOnly || d.Tier != DeviceTier.Unverified)
                && (!q.FreeOnly || d.GpusFree > 0)
                && (q.Statuses.Count == 0 || q.Statuses.Contains(d.Status))
                && (string.IsNullOrEmpty(q.Owner) || d.Owner == q.Owner))
            .ToList();
        IEnumerable<DeviceSummary> ordered = q.Sort switch
        {
            PoolSort.Price => matches.OrderBy(d => d.PricePerHourBaseUnits).ThenByDescending(d => d.Tier).ThenBy(Tie).ThenBy(d => d.Id, StringComparer.Ordinal),
            PoolSort.Tier => matches.OrderByDescending(d => d.Tier).ThenBy(d => d.PricePerHourBaseUnits).ThenBy(Tie).ThenBy(d => d.Id, StringComparer.Ordinal),
            _ => matches.OrderBy(d => d.Id, StringComparer.Ordinal),
        };
        return new Page<DeviceSummary> { Items = ordered.Skip(q.Skip).Take(q.Take).ToList(), Total = matches.Count };

        ulong Tie(DeviceSummary d) => q.TieSeed == 0 ? 0 : PoolFilter.TieRank(PoolFilter.IdHash(d.Id), q.TieSeed);
    }
}
