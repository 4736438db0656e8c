using Fabric.Devices;

namespace Fabric.Rewards;

/// <summary>One device's share of an epoch's GPU pool.</summary>
public sealed record RewardShare(string DeviceId, string Owner, int Seconds, long WeightedSeconds, int BonusBps, long Amount);

/// <summary>How an epoch's issuance divides: pools, and each device's share of the GPU pool (sorted by device id).</summary>
public sealed record RewardSplitResult(long Issuance, long GpuPool, long CpuPool, long Distributed, IReadOnlyList<RewardShare> Shares);

/// <summary>
/// Splits an epoch's issuance; pure and deterministic (the same inputs give the same shares on any machine).
/// </summary>
/// <remarks>
/// GPU pool = floor(issuance × gpuPoolBps / 10,000); the CPU pool is the rest. Device d weighs
/// w_d = weighted uptime_d × (10,000 + bonus_d), and gets floor(pool × w_d / Σw) plus one base unit if it is among the
/// (pool − Σ floors) devices with the largest remainders (ties to the smaller device id, ordinal): the shares add up
/// to the pool exactly, each within one base unit of its exact share. With Σw = 0 (nobody earned) nothing is
/// distributed. All arithmetic is exact (128-bit).
/// </remarks>
public static class RewardSplit
{
    public const int Scale = 10_000;

    public static RewardSplitResult Split(
        long issuance, int gpuPoolBps, IEnumerable<DeviceUptime> devices, IReadOnlyDictionary<string, int> bonusBps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(issuance);
        ArgumentOutOfRangeException.ThrowIfNegative(gpuPoolBps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(gpuPoolBps, Scale);
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(bonusBps);

        var gpuPool = (long)((Int128)issuance * gpuPoolBps / Scale);
        var cpuPool = issuance - gpuPool;
        var earning = devices.Where(d => d.WeightedSeconds > 0).OrderBy(d => d.DeviceId, StringComparer.Ordinal).ToArray();
        var weights = new Int128[earning.Length];
        var bonuses = new int[earning.Length];
        Int128 total = 0;
        for (var i = 0; i < earning.Length; i++)
        {
            if (i > 0 && earning[i].DeviceId == earning[i - 1].DeviceId)
            {
                throw new ArgumentException($"Device '{earning[i].DeviceId}' appears twice.", nameof(devices));
            }

            var bonus = bonusBps.GetValueOrDefault(earning[i].DeviceId);
            if (bonus is < 0 or > 100_000)
            {
                throw new ArgumentOutOfRangeException(nameof(bonusBps), bonus, $"Bonus of '{earning[i].DeviceId}' must be 0 to 100,000 bps.");
            }

            bonuses[i] = bonus;
            weights[i] = (Int128)earning[i].WeightedSeconds * (Scale + bonus);
            total += weights[i];
        }

        if (total == 0 || gpuPool == 0)
        {
            return new RewardSplitResult(issuance, gpuPool, cpuPool, 0,
                [.. earning.Select((d, i) => new RewardShare(d.DeviceId, d.Owner, d.Seconds, d.WeightedSeconds, bonuses[i], 0))]);
        }

        var amounts = new long[earning.Length];
        var remainders = new Int128[earning.Length];
        var left = gpuPool;
        for (var i = 0; i < earning.Length; i++)
        {
            var exact = (Int128)gpuPool * weights[i];
            amounts[i] = (long)(exact / total);
            remainders[i] = exact % total;
            left -= amounts[i];
        }

        if (left > 0)
        {
            // Fewer base units are left than there are devices: one each to the largest remainders.
            var order = Enumerable.Range(0, earning.Length).ToArray();
            Array.Sort(order, (a, b) => remainders[a] != remainders[b] ? remainders[b].CompareTo(remainders[a]) : a.CompareTo(b));
            for (var k = 0; k < left; k++)
            {
                amounts[order[k]]++;
            }
        }

        var shares = new RewardShare[earning.Length];
        for (var i = 0; i < earning.Length; i++)
        {
            var d = earning[i];
            shares[i] = new RewardShare(d.DeviceId, d.Owner, d.Seconds, d.WeightedSeconds, bonuses[i], amounts[i]);
        }

        return new RewardSplitResult(issuance, gpuPool, cpuPool, gpuPool, shares);
    }
}
