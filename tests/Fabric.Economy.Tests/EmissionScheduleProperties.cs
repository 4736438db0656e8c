using FsCheck;
using FsCheck.Fluent;

namespace Fabric.Economy.Tests;

/// <summary>Property tests over both presets, run by plain FsCheck from ordinary facts (a failure throws with the shrunk case).</summary>
public sealed class EmissionScheduleProperties
{
    private static void Check(Property property, int tests = 300) => FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(tests), property);

    // A preset and an hour from a little before the start to a little after the end.
    private static readonly Gen<(bool Halving, long Hour)> HourGen =
        from halving in ArbMap.Default.GeneratorFor<bool>()
        from hour in Gen.Choose(-1_000, (int)Schedules.ByName(halving).TotalHours + 1_000)
        select (halving, (long)hour);

    // A preset and a range [a, b) of up to a few months, anywhere in or around the schedule.
    private static readonly Gen<(bool Halving, long From, long To)> RangeGen =
        from halving in ArbMap.Default.GeneratorFor<bool>()
        from first in Gen.Choose(-1_000, (int)Schedules.ByName(halving).TotalHours + 1_000)
        from length in Gen.Frequency((3, Gen.Choose(0, 50)), (2, Gen.Choose(0, 3_000)), (1, Gen.Choose(0, 20_000)))
        select (halving, (long)first, (long)first + length);

    [Fact]
    public void The_sum_of_hourly_issuance_over_any_range_equals_the_cumulative_difference_and_Between() =>
        Check(Prop.ForAll(RangeGen.ToArbitrary(), r =>
        {
            var schedule = Schedules.ByName(r.Halving);
            var sum = 0L;
            for (var h = r.From; h < r.To; h++)
            {
                sum += schedule.Issuance(h);
            }

            return sum == schedule.Cumulative(r.To) - schedule.Cumulative(r.From) && sum == schedule.Between(r.From, r.To);
        }));

    [Fact]
    public void Adjacent_ranges_add_up() =>
        Check(Prop.ForAll(RangeGen.ToArbitrary(), Gen.Choose(0, 100_000).ToArbitrary(), (r, more) =>
        {
            var schedule = Schedules.ByName(r.Halving);
            return schedule.Between(r.From, r.To) + schedule.Between(r.To, r.To + more) == schedule.Between(r.From, r.To + more);
        }), tests: 1_000);

    [Fact]
    public void Genesis_plus_everything_issued_never_passes_the_cap() =>
        Check(Prop.ForAll(HourGen.ToArbitrary(), x =>
        {
            var schedule = Schedules.ByName(x.Halving);
            var issued = schedule.Cumulative(x.Hour);
            return issued >= 0 && schedule.Genesis + issued <= schedule.Cap && issued <= schedule.Total;
        }), tests: 1_000);

    [Fact]
    public void Cumulative_never_decreases_and_grows_by_each_hours_issuance() =>
        Check(Prop.ForAll(HourGen.ToArbitrary(), x =>
        {
            var schedule = Schedules.ByName(x.Halving);
            var issuance = schedule.Issuance(x.Hour);
            return issuance >= 0 && schedule.Cumulative(x.Hour + 1) == schedule.Cumulative(x.Hour) + issuance;
        }), tests: 1_000);

    [Fact]
    public void IssuanceFor_an_hours_start_equals_Issuance_of_its_index() =>
        Check(Prop.ForAll(HourGen.ToArbitrary(), Gen.Choose(0, 3_599_999).ToArbitrary(), (x, millisecond) =>
        {
            var schedule = Schedules.ByName(x.Halving);
            var start = schedule.HourStart(x.Hour);
            return schedule.HourIndexOf(start) == x.Hour
                && schedule.HourIndexOf(start.AddMilliseconds(millisecond)) == x.Hour
                && schedule.IssuanceFor(start) == schedule.Issuance(x.Hour);
        }), tests: 1_000);

    [Fact]
    public void Any_decay_budget_length_and_decrease_emits_exactly_its_budget_in_non_increasing_months() =>
        Check(Prop.ForAll(
            Gen.Choose(1, 100_000_000).ToArbitrary(),
            Gen.Choose(1, 600).ToArbitrary(),
            Gen.Choose(1, 9_999).ToArbitrary(),
            (budgetIo, months, bps) =>
            {
                var schedule = new DecaySchedule(new EmissionOptions { CapWholeIo = budgetIo, GenesisWholeIo = 0, DecayMonths = months, DecayMonthlyDecreaseBps = bps });
                var amounts = Enumerable.Range(0, months).Select(schedule.MonthAmount).ToArray();
                return amounts.Sum() == budgetIo * Schedules.Io
                    && schedule.Total == budgetIo * Schedules.Io
                    && amounts.Zip(amounts.Skip(1)).All(p => p.Second <= p.First);
            }), tests: 100);
}
