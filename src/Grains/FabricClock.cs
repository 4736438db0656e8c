namespace Fabric;

/// <summary>
/// Fabric's business clock (registration times, heartbeat deadlines, settlement hours), a keyed
/// <see cref="TimeProvider"/> separate from the one Orleans' runtime runs on: tests can stop or move Fabric's time
/// without stopping the runtime's own timers, reminders and membership.
/// </summary>
public static class FabricClock
{
    /// <summary>Service key of Fabric's <see cref="TimeProvider"/>.</summary>
    public const string Key = "fabric";
}
