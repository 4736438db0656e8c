namespace Fabric.Economy.Tests;

/// <summary>The schedules under test, built once: their construction is the expensive part.</summary>
internal static class Schedules
{
    public const long Io = EmissionSchedule.UnitsPerIo;

    public static readonly DecaySchedule Decay = (DecaySchedule)EmissionSchedule.Create(new EmissionOptions());

    public static readonly HalvingSchedule Halving =
        (HalvingSchedule)EmissionSchedule.Create(new EmissionOptions { Preset = EmissionPresets.Halving });

    public static EmissionSchedule ByName(bool halving) => halving ? Halving : Decay;

    public static DateTimeOffset Utc(int year, int month = 1, int day = 1, int hour = 0) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);
}
