namespace Fabric.Economy;

/// <summary>
/// The alternative preset: <see cref="EmissionOptions.HalvingFirstYearWholeIo"/> (6,000,000 IO) in each calendar year
/// of the first <see cref="EmissionOptions.HalvingEveryYears"/> (2) years from the start (2024–2025 by default), half
/// that in the next two (3,000,000 in 2026–2027), and so on.
/// </summary>
/// <remarks>
/// <para>Each year's amount is spread over that calendar year's hours (8,760, or 8,784 in a leap year) with carried
/// remainders; the start must be 1 January, 00:00 UTC. A year's amount is the first year's in base units shifted right
/// once per halving (rounded down), and the schedule ends with the first year that rounds to zero.</para>
/// <para>It never emits past the budget (cap − genesis): a year that would is cut to what is left, and the schedule
/// ends there. With the defaults that never happens: halving converges to 2 × 2 × 6,000,000 = 24,000,000 IO, far
/// below the 500,000,000 budget. Exactly, the default preset emits for 100 years (2024–2123; 2123's amount is one
/// base unit) and 2,399,999,999,999,966 base units in all (23,999,999.99999966 IO: 34 base units lost to rounding
/// the halvings down, none to spreading over hours).</para>
/// </remarks>
public sealed class HalvingSchedule : EmissionSchedule
{
    /// <summary>Builds the schedule from <paramref name="options"/>; bad settings are an <see cref="ArgumentException"/>.</summary>
    public HalvingSchedule(EmissionOptions options)
        : base(options, YearPeriods(options))
    {
    }

    public override string Preset => EmissionPresets.Halving;

    /// <summary>Calendar year of hour 0.</summary>
    public int FirstYear => Start.Year;

    /// <summary>Base units emitted in calendar year <paramref name="year"/>; zero outside the schedule.</summary>
    public long YearAmount(int year)
    {
        var index = (long)year - FirstYear;
        return index >= 0 && index < Periods.Count ? Periods[(int)index].Amount : 0;
    }

    private static List<EmissionPeriod> YearPeriods(EmissionOptions options)
    {
        var budget = CheckShared(options);
        var start = options.Start.ToUniversalTime();
        if (start.Month != 1 || start.Day != 1 || start.TimeOfDay != TimeSpan.Zero)
        {
            throw new ArgumentException($"The halving preset counts calendar years: its start {options.Start:O} must be 1 January, 00:00 UTC.", nameof(options));
        }

        if (options.HalvingFirstYearWholeIo <= 0 || options.HalvingFirstYearWholeIo > long.MaxValue / UnitsPerIo)
        {
            throw new ArgumentException($"Halving first-year amount {options.HalvingFirstYearWholeIo} IO must be above 0 and at most {long.MaxValue / UnitsPerIo}.", nameof(options));
        }

        if (options.HalvingEveryYears <= 0)
        {
            throw new ArgumentException($"Halving every {options.HalvingEveryYears} years: must be at least 1.", nameof(options));
        }

        var first = options.HalvingFirstYearWholeIo * UnitsPerIo;
        var periods = new List<EmissionPeriod>();
        var hour = 0L;
        var issued = 0L;
        for (var index = 0; ; index++)
        {
            var halvings = index / options.HalvingEveryYears;
            var amount = Math.Min(halvings >= 63 ? 0 : first >> halvings, budget - issued);
            if (amount == 0)
            {
                return periods;
            }

            var year = start.Year + index;
            if (year > 9998)
            {
                throw new ArgumentException("The halving schedule would run past year 9998; halve more often.", nameof(options));
            }

            var hours = (DateTime.IsLeapYear(year) ? 366 : 365) * 24;
            periods.Add(new EmissionPeriod(index, hour, hours, amount));
            hour += hours;
            issued += amount;
        }
    }
}
