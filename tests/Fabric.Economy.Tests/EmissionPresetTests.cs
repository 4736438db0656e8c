using static Fabric.Economy.Tests.Schedules;

namespace Fabric.Economy.Tests;

/// <summary>Choosing a schedule by configuration, and the checks on its settings.</summary>
public sealed class EmissionPresetTests
{
    [Fact]
    public void Switching_the_preset_switches_the_schedule()
    {
        var decay = EmissionSchedule.Create(new EmissionOptions { Preset = "decay" });
        var halving = EmissionSchedule.Create(new EmissionOptions { Preset = "halving" });

        Assert.IsType<DecaySchedule>(decay);
        Assert.IsType<HalvingSchedule>(halving);
        Assert.Equal(decay.Start, halving.Start);
        Assert.Equal(557_612_426_778_563 / 730, decay.Issuance(0));
        Assert.Equal(600_000_000_000_000 / 8784, halving.Issuance(0));
        Assert.Equal(6_328_439_326_222_201, decay.Between(0, 8760));
        Assert.Equal(600_000_000_000_000, halving.Between(0, 8784));
    }

    [Theory]
    [InlineData("Decay", typeof(DecaySchedule))]
    [InlineData(" HALVING ", typeof(HalvingSchedule))]
    public void Preset_names_are_matched_ignoring_case_and_surrounding_spaces(string preset, Type expected) =>
        Assert.IsType(expected, EmissionSchedule.Create(new EmissionOptions { Preset = preset }));

    [Theory]
    [InlineData("linear")]
    [InlineData("")]
    [InlineData(null)]
    public void An_unknown_preset_is_rejected_naming_the_known_ones(string? preset)
    {
        var e = Assert.Throws<ArgumentException>(() => EmissionSchedule.Create(new EmissionOptions { Preset = preset! }));
        Assert.Contains($"Unknown emission preset '{preset}'", e.Message, StringComparison.Ordinal);
        Assert.Contains("decay, halving", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_that_is_not_a_whole_UTC_hour_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => EmissionSchedule.Create(new EmissionOptions { Start = Utc(2024).AddMinutes(30) }));
        Assert.Contains("whole UTC hour", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_whole_hour_in_any_offset_can_start_the_decay_schedule()
    {
        var schedule = EmissionSchedule.Create(new EmissionOptions { Start = new DateTimeOffset(2025, 3, 10, 5, 0, 0, TimeSpan.FromHours(2)) });

        Assert.Equal(Utc(2025, 3, 10, 3), schedule.Start);
        Assert.Equal(TimeSpan.Zero, schedule.Start.Offset);
        Assert.Equal(Schedules.Decay.Issuance(5), schedule.IssuanceFor(Utc(2025, 3, 10, 8)));
    }

    [Theory]
    [InlineData(0, 0, 240, 102)]
    [InlineData(800_000_000, 800_000_001, 240, 102)]
    [InlineData(800_000_000, -1, 240, 102)]
    [InlineData(800_000_000, 300_000_000, 0, 102)]
    [InlineData(800_000_000, 300_000_000, 240, -1)]
    [InlineData(800_000_000, 300_000_000, 240, 10_000)]
    [InlineData(long.MaxValue, 0, 240, 102)]
    public void Impossible_decay_settings_are_rejected(long cap, long genesis, int months, int bps) =>
        Assert.Throws<ArgumentException>(() => EmissionSchedule.Create(new EmissionOptions
        {
            CapWholeIo = cap, GenesisWholeIo = genesis, DecayMonths = months, DecayMonthlyDecreaseBps = bps,
        }));

    [Fact]
    public void Genesis_equal_to_the_cap_leaves_nothing_to_emit()
    {
        var schedule = EmissionSchedule.Create(new EmissionOptions { GenesisWholeIo = 800_000_000 });
        Assert.Equal(0, schedule.Total);
        Assert.Equal(0, schedule.Issuance(0));
    }

    [Fact]
    public void IssuanceFor_an_instant_inside_an_hour_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Schedules.Decay.IssuanceFor(Utc(2024).AddSeconds(1)));
        Assert.Equal("hourStart", e.ParamName);
    }

    [Fact]
    public void Between_a_later_hour_and_an_earlier_one_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Schedules.Decay.Between(10, 9));
}
