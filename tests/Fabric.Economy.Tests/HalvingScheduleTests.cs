using static Fabric.Economy.Tests.Schedules;

namespace Fabric.Economy.Tests;

/// <summary>The alternative preset: calendar years from 2024, halving every two.</summary>
public sealed class HalvingScheduleTests
{
    [Theory]
    [InlineData(2024, 600_000_000_000_000)]
    [InlineData(2025, 600_000_000_000_000)]
    [InlineData(2026, 300_000_000_000_000)]
    [InlineData(2027, 300_000_000_000_000)]
    [InlineData(2028, 150_000_000_000_000)]
    [InlineData(2029, 150_000_000_000_000)]
    [InlineData(2030, 75_000_000_000_000)]
    [InlineData(2032, 37_500_000_000_000)]
    [InlineData(2122, 1)]
    [InlineData(2123, 1)]
    [InlineData(2124, 0)]
    [InlineData(2023, 0)]
    public void Each_calendar_year_emits_its_amount_exactly(int year, long expected)
    {
        Assert.Equal(expected, Halving.YearAmount(year));
        Assert.Equal(expected, Halving.Between(Halving.HourIndexOf(Utc(year)), Halving.HourIndexOf(Utc(year + 1))));
    }

    [Fact]
    public void Years_are_calendar_years_of_8760_or_8784_hours()
    {
        Assert.Equal(2024, Halving.FirstYear);
        Assert.Equal(8784, Halving.Periods[0].Hours); // 2024 is a leap year
        Assert.Equal(8760, Halving.Periods[1].Hours);
        Assert.All(Halving.Periods, p => Assert.Equal(Utc(2024 + p.Index), Halving.HourStart(p.FirstHour)));
    }

    [Fact]
    public void Halving_forever_stops_after_100_years_near_24M_IO_far_below_the_budget()
    {
        Assert.Equal(100, Halving.Periods.Count);
        Assert.Equal(Utc(2124), Halving.End);
        Assert.Equal(2_399_999_999_999_966, Halving.Total);
        Assert.True(Halving.Total < Halving.Budget);
        Assert.Equal(Halving.Total, Enumerable.Range(2024, 100).Sum(Halving.YearAmount));
    }

    [Fact]
    public void Hours_of_one_year_differ_by_at_most_one_base_unit_and_add_up_to_the_year()
    {
        foreach (var year in Halving.Periods.Take(6))
        {
            var hours = Enumerable.Range(0, year.Hours).Select(j => Halving.Issuance(year.FirstHour + j)).ToArray();
            Assert.True(hours.Max() - hours.Min() <= 1, $"year {year.Index}: {hours.Min()}..{hours.Max()}");
            Assert.Equal(year.Amount, hours.Sum());
        }
    }

    [Fact]
    public void A_budget_smaller_than_the_halvings_cuts_the_last_year_and_ends_there()
    {
        var schedule = EmissionSchedule.Create(new EmissionOptions { Preset = EmissionPresets.Halving, CapWholeIo = 310_000_000 });

        Assert.Equal(10_000_000 * Io, schedule.Budget);
        Assert.Equal([6_000_000 * Io, 4_000_000 * Io], schedule.Periods.Select(p => p.Amount));
        Assert.Equal(schedule.Budget, schedule.Total);
        Assert.Equal(Utc(2026), schedule.End);
        Assert.Equal(0, schedule.IssuanceFor(Utc(2026)));
    }

    [Fact]
    public void A_start_other_than_1_January_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => EmissionSchedule.Create(new EmissionOptions { Preset = EmissionPresets.Halving, Start = Utc(2024, 6, 1) }));
        Assert.Contains("1 January", e.Message, StringComparison.Ordinal);
    }
}
