using Fabric.Devices;

namespace Fabric.Clusters;

/// <summary>
/// Scores feasible devices for a request: each part is 0 to 1 (cheaper, higher tier, better reputation, wanted
/// region, less loaded are better) and the score is their weighted sum. Pure, so explanations can show the parts.
/// </summary>
public sealed class PlacementScorer(ScoreWeights weights)
{
    public CandidateScore Score(DeviceSummary device, ClusterSpec spec, long limitPrice)
    {
        var price = limitPrice <= 0 ? 1.0 : 1.0 - Math.Clamp((double)device.PricePerHourBaseUnits / limitPrice, 0, 1);
        var tier = (double)device.Tier / (double)DeviceTier.Ultra;
        var reputation = Math.Clamp(device.Reputation, 0, 100) / 100.0;
        var region = spec.Region is null || string.Equals(spec.Region, device.Region, StringComparison.Ordinal) ? 1.0 : 0.0;
        var load = 1.0 - Math.Clamp(device.LoadPct, 0, 100) / 100.0;
        var score = weights.Price * price + weights.Tier * tier + weights.Reputation * reputation + weights.Region * region + weights.Load * load;
        return new CandidateScore
        {
            DeviceId = device.Id,
            Score = Math.Round(score, 4),
            Price = Math.Round(price, 4),
            Tier = tier,
            Reputation = reputation,
            Region = region,
            Load = load,
            Outcome = "candidate",
            PricePerHour = device.PricePerHourBaseUnits,
        };
    }

    /// <summary>
    /// Candidates best first; ties go to the cheaper, then to the id (a total, repeatable order). Devices in
    /// <paramref name="lastResort"/> come after every other, whatever their score.
    /// </summary>
    public IReadOnlyList<CandidateScore> Rank(IEnumerable<DeviceSummary> devices, ClusterSpec spec, long limitPrice, IReadOnlySet<string>? lastResort = null) =>
        [.. devices.Select(d => Score(d, spec, limitPrice))
            .OrderBy(c => lastResort?.Contains(c.DeviceId) == true)
            .ThenByDescending(c => c.Score)
            .ThenBy(c => c.PricePerHour)
            .ThenBy(c => c.DeviceId, StringComparer.Ordinal)];
}
