using System.Numerics;

namespace Fabric.Economy;

/// <summary>
/// The default preset: cap − genesis (500,000,000 IO by default) emitted over <see cref="Months"/> months (240), each
/// month's amount <see cref="MonthlyDecreaseBps"/> (1.02%) less than the last, adding up to the budget exactly.
/// </summary>
/// <remarks>
/// <para><b>A month is <see cref="HoursPerMonth"/> = 730 hours</b> (8,760 / 12: twelve months make a 365-day year),
/// counted from <see cref="EmissionSchedule.Start"/>, not a calendar month. Calendar months last 672 to 744 hours, so
/// spreading a month's amount over its own hours would raise the hourly issuance by about 9.6% each February (and
/// ~3% in 30-day months) although the monthly amount falls: suppliers would see rewards per hour jump. With equal
/// months the hourly issuance never rises from one month to the next, any whole hour can be the start, and
/// nothing depends on a calendar. The cost: 240 months are 175,200 hours = 7,300 days, so with the default start
/// (2024-01-01T00:00Z) emission ends on 2043-12-27T00:00Z, five leap days short of twenty calendar years.</para>
/// <para><b>Exact amounts.</b> Month k's exact share is budget × w_k / Σw with w_k = (10,000 − bps)^k ×
/// 10,000^(months − 1 − k), integers (arbitrary precision), so month k is proportional to (1 − 1.02%)^k with nothing
/// rounded. Month k gets floor(budget × w_k / Σw), and the base units those floors leave over (fewer than the
/// number of months; 117 by default) go one each to the earliest months. So the months add up to the budget to the
/// base unit, each is within one base unit of its exact share, and they never increase, whatever the parameters.
/// Default figures: month 0 = 557,612,426,778,563 base units (5,576,124.26778563 IO; exact share
/// …778,562.3); year one (months 0–11) = 6,328,439,326,222,201 (63,284,393.26222201 IO, 7.91% of the cap);
/// month 239 = 48,103,078,175,957 (481,030.78175957 IO); total 50,000,000,000,000,000 (500,000,000 IO).</para>
/// </remarks>
public sealed class DecaySchedule : EmissionSchedule
{
    /// <summary>Hours in one emission month: 365 × 24 / 12.</summary>
    public const int HoursPerMonth = 730;

    /// <summary>Builds the schedule from <paramref name="options"/>; bad settings are an <see cref="ArgumentException"/>.</summary>
    public DecaySchedule(EmissionOptions options)
        : base(options, MonthPeriods(options))
    {
        Months = options.DecayMonths;
        MonthlyDecreaseBps = options.DecayMonthlyDecreaseBps;
    }

    public override string Preset => EmissionPresets.Decay;

    /// <summary>Number of months that emit.</summary>
    public int Months { get; }

    /// <summary>Each month's amount is the previous month's less this many basis points.</summary>
    public int MonthlyDecreaseBps { get; }

    /// <summary>Base units emitted in month <paramref name="month"/> (from 0); zero from <see cref="Months"/> on.</summary>
    public long MonthAmount(int month)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(month);
        return month < Months ? Periods[month].Amount : 0;
    }

    private static IEnumerable<EmissionPeriod> MonthPeriods(EmissionOptions options)
    {
        var budget = CheckShared(options);
        var months = options.DecayMonths;
        var bps = options.DecayMonthlyDecreaseBps;
        if (months is <= 0 or > 12_000)
        {
            throw new ArgumentException($"Decay months {months} must be between 1 and 12,000.", nameof(options));
        }

        if (bps is < 0 or >= 10_000)
        {
            throw new ArgumentException($"Monthly decrease {bps} bps must be at least 0 and below 10,000.", nameof(options));
        }

        var amounts = MonthAmounts(budget, months, bps);
        return amounts.Select((amount, k) => new EmissionPeriod(k, (long)k * HoursPerMonth, HoursPerMonth, amount));
    }

    private static long[] MonthAmounts(long budget, int months, int bps)
    {
        const int Scale = 10_000;
        var keep = Scale - bps;

        // w_0 = Scale^(months − 1); w_(k+1) = w_k × keep / Scale, exact because w_k still holds a factor Scale^(months − 1 − k).
        var weights = new BigInteger[months];
        weights[0] = BigInteger.Pow(Scale, months - 1);
        for (var k = 1; k < months; k++)
        {
            weights[k] = weights[k - 1] * keep / Scale;
        }

        var sum = BigInteger.Zero;
        foreach (var w in weights)
        {
            sum += w;
        }

        // Floor every exact share (floor keeps the order), then give the remainder, fewer base units than there are
        // months, one each to the earliest months: still non-increasing, each month within one unit of its share.
        var amounts = new long[months];
        var remainder = budget;
        for (var k = 0; k < months; k++)
        {
            amounts[k] = (long)(budget * weights[k] / sum);
            remainder -= amounts[k];
        }

        for (var k = 0; k < remainder; k++)
        {
            amounts[k]++;
        }

        return amounts;
    }
}
