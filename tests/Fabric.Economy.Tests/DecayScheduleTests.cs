using static Fabric.Economy.Tests.Schedules;

namespace Fabric.Economy.Tests;

/// <summary>The default preset against the published figures, and its exact arithmetic.</summary>
public sealed class DecayScheduleTests
{
    private const long Budget = 500_000_000 * Io;

    [Fact]
    public void Default_preset_is_decay_with_an_800M_cap_and_300M_at_genesis()
    {
        Assert.Equal(EmissionPresets.Decay, Decay.Preset);
        Assert.Equal(800_000_000 * Io, Decay.Cap);
        Assert.Equal(300_000_000 * Io, Decay.Genesis);
        Assert.Equal(Budget, Decay.Budget);
        Assert.Equal(240, Decay.Months);
        Assert.Equal(102, Decay.MonthlyDecreaseBps);
    }

    [Fact]
    public void Months_are_730_hours_so_240_months_end_five_leap_days_before_twenty_calendar_years()
    {
        Assert.Equal(240 * 730, Decay.TotalHours);
        Assert.Equal(Utc(2024), Decay.Start);
        Assert.Equal(Utc(2043, 12, 27), Decay.End);
        Assert.All(Decay.Periods, p => Assert.Equal((p.Index * 730L, 730), (p.FirstHour, p.Hours)));
    }

    [Fact]
    public void Month_zero_is_557_612_426_778_563_base_units_that_is_5_576_124_whole_IO()
    {
        Assert.Equal(557_612_426_778_563, Decay.MonthAmount(0));
        Assert.Equal(5_576_124, Decay.MonthAmount(0) / Io);
    }

    [Fact]
    public void The_240_months_add_up_to_exactly_500M_IO_in_base_units()
    {
        Assert.Equal(Budget, Enumerable.Range(0, 240).Sum(Decay.MonthAmount));
        Assert.Equal(Budget, Decay.Total);
        Assert.Equal(Budget, Decay.Cumulative(Decay.TotalHours));
        Assert.Equal(Budget, Decay.Between(0, Decay.TotalHours));
    }

    [Fact]
    public void Every_hour_summed_one_by_one_is_exactly_500M_IO()
    {
        var sum = 0L;
        for (var h = 0L; h < Decay.TotalHours; h++)
        {
            sum += Decay.Issuance(h);
        }

        Assert.Equal(Budget, sum);
    }

    [Fact]
    public void Year_one_is_63_284_393_IO_and_7_91_percent_of_the_cap()
    {
        var yearOne = Enumerable.Range(0, 12).Sum(Decay.MonthAmount);

        Assert.Equal(6_328_439_326_222_201, yearOne);
        Assert.Equal(yearOne, Decay.Between(0, 365 * 24));
        Assert.Equal(63_284_393, yearOne / Io);
        var share = (decimal)yearOne / Decay.Cap;
        Assert.InRange(share, 0.078m, 0.080m);
    }

    [Fact]
    public void Each_month_is_within_one_base_unit_of_its_exact_geometric_share()
    {
        // Independent of the schedule's integer weights: month0 = budget × d / (1 − (1 − d)^240), month k = month0 × (1 − d)^k.
        const decimal keep = 1 - 0.0102m;
        var power = 1m;
        for (var k = 0; k < 240; k++)
        {
            power *= keep;
        }

        var month = Budget * 0.0102m / (1 - power);
        for (var k = 0; k < 240; k++)
        {
            Assert.True(Math.Abs(Decay.MonthAmount(k) - month) < 1.000001m, $"month {k}: {Decay.MonthAmount(k)} vs exact {month}");
            month *= keep;
        }
    }

    [Fact]
    public void Monthly_amounts_never_increase()
    {
        for (var k = 1; k < 240; k++)
        {
            Assert.True(Decay.MonthAmount(k) <= Decay.MonthAmount(k - 1), $"month {k} exceeds month {k - 1}");
        }

        Assert.Equal(48_103_078_175_957, Decay.MonthAmount(239));
    }

    [Fact]
    public void Hours_of_one_month_differ_by_at_most_one_base_unit_and_add_up_to_the_month()
    {
        foreach (var month in Decay.Periods)
        {
            var hours = Enumerable.Range(0, month.Hours).Select(j => Decay.Issuance(month.FirstHour + j)).ToArray();
            Assert.True(hours.Max() - hours.Min() <= 1, $"month {month.Index}: {hours.Min()}..{hours.Max()}");
            Assert.Equal(month.Amount, hours.Sum());
        }
    }

    [Fact]
    public void Hourly_issuance_never_rises_by_more_than_one_base_unit()
    {
        for (var h = 1L; h < Decay.TotalHours; h++)
        {
            Assert.True(Decay.Issuance(h) <= Decay.Issuance(h - 1) + 1, $"hour {h}");
        }
    }

    [Fact]
    public void Nothing_is_issued_before_the_start_or_from_the_end_on()
    {
        Assert.Equal(0, Decay.Issuance(-1));
        Assert.Equal(0, Decay.Issuance(Decay.TotalHours));
        Assert.Equal(0, Decay.Issuance(long.MaxValue));
        Assert.Equal(0, Decay.MonthAmount(240));
        Assert.Equal(0, Decay.IssuanceFor(Decay.Start.AddHours(-1)));
        Assert.Equal(0, Decay.IssuanceFor(Decay.End));
        Assert.Equal(0, Decay.Cumulative(long.MinValue));
        Assert.Equal(Decay.Total, Decay.Cumulative(long.MaxValue));
    }

    [Fact]
    public void A_schedule_of_any_budget_length_and_decrease_adds_up_to_its_budget_exactly()
    {
        foreach (var (cap, months, bps) in new[] { (800_000_000L, 240, 102), (1L, 7, 0), (1_000L, 1, 9_999), (92_233_720_368L, 480, 5), (301L, 240, 102) })
        {
            var schedule = new DecaySchedule(new EmissionOptions { CapWholeIo = cap, GenesisWholeIo = 0, DecayMonths = months, DecayMonthlyDecreaseBps = bps });
            Assert.Equal(cap * Io, schedule.Total);
            Assert.Equal(cap * Io, Enumerable.Range(0, months).Sum(schedule.MonthAmount));
        }
    }
}
