namespace Fabric.Economy;

/// <summary>
/// A stretch of an emission schedule whose amount is spread evenly over its hours.
/// </summary>
/// <param name="Index">Month (decay) or year (halving) number, from 0.</param>
/// <param name="FirstHour">Emission hour index of its first hour.</param>
/// <param name="Hours">Number of hours it lasts.</param>
/// <param name="Amount">IO base units it emits over those hours.</param>
public readonly record struct EmissionPeriod(int Index, long FirstHour, int Hours, long Amount);

/// <summary>
/// How many IO base units the network mints in each hour after genesis. Pure and deterministic: the same options
/// always give the same amounts, on any machine.
/// </summary>
/// <remarks>
/// <para>Guarantees, each tested: hour <c>h</c> covers [<see cref="Start"/> + h hours, + 1 hour); issuance is zero
/// before hour 0 and from <see cref="TotalHours"/> on; Σ <see cref="Issuance"/> over [a, b) =
/// <see cref="Cumulative"/>(b) − <see cref="Cumulative"/>(a) = <see cref="Between"/>(a, b); <see cref="Total"/> ≤
/// <see cref="Budget"/> = <see cref="Cap"/> − <see cref="Genesis"/>, so genesis plus everything emitted never passes
/// the cap.</para>
/// <para>The schedule is a run of consecutive <see cref="Periods"/>. A period of amount A over H hours gives its hour
/// j (from 0) floor(A(j+1)/H) − floor(Aj/H): hours of one period differ by at most one base unit and add up to exactly
/// A, so no base unit is lost or invented. <see cref="Cumulative"/> is a prefix sum plus one such floor, found by
/// binary search over the periods: O(log periods), never O(hours).</para>
/// </remarks>
public abstract class EmissionSchedule
{
    /// <summary>IO base units in one IO (8 decimals; the same scale as Fabric.Money.TokenScale).</summary>
    public const long UnitsPerIo = 100_000_000;

    private readonly EmissionPeriod[] _periods;

    // _before[p] = Σ Amount of the periods before p; _before[^1] = Total.
    private readonly long[] _before;

    /// <summary>Checks the shared settings and lays out the periods from hour 0.</summary>
    /// <param name="options">Start, cap and genesis.</param>
    /// <param name="periods">Consecutive periods: each starts where the last ended.</param>
    private protected EmissionSchedule(EmissionOptions options, IEnumerable<EmissionPeriod> periods)
    {
        CheckShared(options);
        Start = options.Start.ToUniversalTime();
        Cap = options.CapWholeIo * UnitsPerIo;
        Genesis = options.GenesisWholeIo * UnitsPerIo;
        _periods = [.. periods];
        _before = new long[_periods.Length + 1];

        var hour = 0L;
        for (var p = 0; p < _periods.Length; p++)
        {
            var period = _periods[p];
            if (period.Index != p || period.FirstHour != hour || period.Hours <= 0 || period.Amount < 0)
            {
                throw new InvalidOperationException($"Emission period {p} is malformed: {period}.");
            }

            hour += period.Hours;
            _before[p + 1] = checked(_before[p] + period.Amount);
        }

        TotalHours = hour;
        if (Total > Budget)
        {
            throw new InvalidOperationException($"The schedule emits {Total} base units, more than the budget of {Budget}.");
        }
    }

    /// <summary>The preset's name, as in <see cref="EmissionOptions.Preset"/>.</summary>
    public abstract string Preset { get; }

    /// <summary>Start of hour 0, in UTC.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>End of the last hour that emits anything (start of hour <see cref="TotalHours"/>).</summary>
    public DateTimeOffset End => HourStart(TotalHours);

    /// <summary>Most IO that can ever exist, in base units.</summary>
    public long Cap { get; }

    /// <summary>IO minted at genesis by the ledger (not by this schedule), in base units.</summary>
    public long Genesis { get; }

    /// <summary>Most the schedule may emit: cap − genesis, in base units.</summary>
    public long Budget => Cap - Genesis;

    /// <summary>Everything the schedule emits over all its hours, in base units.</summary>
    public long Total => _before[^1];

    /// <summary>Number of hours that emit; from this hour on, issuance is zero.</summary>
    public long TotalHours { get; }

    /// <summary>The schedule's months (decay) or years (halving), in order.</summary>
    public IReadOnlyList<EmissionPeriod> Periods => _periods;

    /// <summary>Base units minted in hour <paramref name="hour"/>; zero before hour 0 and from <see cref="TotalHours"/> on.</summary>
    public long Issuance(long hour) => hour < 0 || hour >= TotalHours ? 0 : Cumulative(hour + 1) - Cumulative(hour);

    /// <summary>Base units minted in the hour starting at <paramref name="hourStart"/>, which must be a whole UTC hour.</summary>
    public long IssuanceFor(DateTimeOffset hourStart)
    {
        if (hourStart.UtcTicks % TimeSpan.TicksPerHour != 0)
        {
            throw new ArgumentException($"{hourStart:O} is not the start of an hour (UTC).", nameof(hourStart));
        }

        return Issuance(HourIndexOf(hourStart));
    }

    /// <summary>Base units minted in hours [0, <paramref name="hour"/>): zero up to hour 0, <see cref="Total"/> from <see cref="TotalHours"/> on.</summary>
    public long Cumulative(long hour)
    {
        if (hour <= 0)
        {
            return 0;
        }

        if (hour >= TotalHours)
        {
            return Total;
        }

        var p = PeriodIndexOf(hour);
        var period = _periods[p];
        return _before[p] + (long)((Int128)period.Amount * (hour - period.FirstHour) / period.Hours);
    }

    /// <summary>Base units minted in hours [<paramref name="fromHour"/>, <paramref name="toHour"/>).</summary>
    public long Between(long fromHour, long toHour)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fromHour, toHour);
        return Cumulative(toHour) - Cumulative(fromHour);
    }

    /// <summary>When hour <paramref name="hour"/> starts (UTC).</summary>
    public DateTimeOffset HourStart(long hour) => Start.AddTicks(checked(hour * TimeSpan.TicksPerHour));

    /// <summary>The hour that contains <paramref name="instant"/>; negative before <see cref="Start"/>.</summary>
    public long HourIndexOf(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks - Start.UtcTicks;
        var hour = ticks / TimeSpan.TicksPerHour;
        return ticks < 0 && ticks % TimeSpan.TicksPerHour != 0 ? hour - 1 : hour;
    }

    /// <summary>The schedule <paramref name="options"/> select; an unknown preset or a bad setting is an <see cref="ArgumentException"/>.</summary>
    public static EmissionSchedule Create(EmissionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var preset = options.Preset?.Trim() ?? "";
        if (string.Equals(preset, EmissionPresets.Decay, StringComparison.OrdinalIgnoreCase))
        {
            return new DecaySchedule(options);
        }

        if (string.Equals(preset, EmissionPresets.Halving, StringComparison.OrdinalIgnoreCase))
        {
            return new HalvingSchedule(options);
        }

        throw new ArgumentException(
            $"Unknown emission preset '{options.Preset}'; expected one of: {string.Join(", ", EmissionPresets.All)}.",
            nameof(options));
    }

    /// <summary>Checks the settings every preset uses; the emission budget in base units.</summary>
    private protected static long CheckShared(EmissionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.CapWholeIo <= 0 || options.CapWholeIo > long.MaxValue / UnitsPerIo)
        {
            throw new ArgumentException($"Emission cap {options.CapWholeIo} IO must be above 0 and at most {long.MaxValue / UnitsPerIo}.", nameof(options));
        }

        if (options.GenesisWholeIo < 0 || options.GenesisWholeIo > options.CapWholeIo)
        {
            throw new ArgumentException($"Genesis {options.GenesisWholeIo} IO must be between 0 and the cap ({options.CapWholeIo} IO).", nameof(options));
        }

        if (options.Start.UtcTicks % TimeSpan.TicksPerHour != 0)
        {
            throw new ArgumentException($"Emission start {options.Start:O} must be a whole UTC hour.", nameof(options));
        }

        return (options.CapWholeIo - options.GenesisWholeIo) * UnitsPerIo;
    }

    private int PeriodIndexOf(long hour)
    {
        // The last period whose first hour is at or before the hour.
        int low = 0, high = _periods.Length - 1;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (_periods[mid].FirstHour <= hour)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return low;
    }
}
