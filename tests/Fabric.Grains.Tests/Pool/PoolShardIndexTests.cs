using Fabric.Devices;
using static Fabric.Tests.Pool.PoolSamples;

namespace Fabric.Tests.Pool;

/// <summary>The shard index's heartbeat path: sessions, load and free VRAM, traffic, and when the device grain must see a beat.</summary>
public sealed class PoolShardIndexTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Session = Guid.NewGuid();

    private static Heartbeat Beat(int utilization = 50, int freeVramMib = 20_480, long bytesIn = 0, long bytesOut = 0) => new()
    {
        UtilizationPct = utilization, TemperatureC = 50, PowerW = 200, FreeVramMib = freeVramMib, BytesIn = bytesIn, BytesOut = bytesOut,
    };

    private static PoolShardIndex Connected(DeviceStatus status = DeviceStatus.Online, DateTimeOffset? wakeAt = null)
    {
        var index = new PoolShardIndex();
        index.Upsert(Summary("d1", status: status), Now);
        index.OpenSession("d1", Session, wakeAt ?? DateTimeOffset.MaxValue, Now);
        return index;
    }

    [Fact]
    public void A_heartbeat_with_a_wrong_session_or_for_an_unknown_device_is_refused()
    {
        var index = Connected();

        var wrong = Assert.Throws<FabricRejectedException>(() => index.Beat("d1", Guid.NewGuid(), Beat(), Now, out _));
        var empty = Assert.Throws<FabricRejectedException>(() => index.Beat("d1", Guid.Empty, Beat(), Now, out _));
        var unknown = Assert.Throws<FabricRejectedException>(() => index.Beat("d2", Session, Beat(), Now, out _));

        Assert.All([wrong, empty, unknown], e => Assert.Contains("No open session", e.Message, StringComparison.Ordinal));
        Assert.Null(index.Liveness("d1").LastHeartbeat);
    }

    [Fact]
    public void A_device_that_was_never_connected_has_no_session_to_beat_on()
    {
        var index = new PoolShardIndex();
        index.Upsert(Summary("d1"), Now);

        Assert.Throws<FabricRejectedException>(() => index.Beat("d1", Session, Beat(), Now, out _));
        Assert.False(index.Liveness("d1").SessionOpen);
    }

    [Fact]
    public void Load_and_free_vram_move_on_real_changes_but_not_on_jitter_across_a_step()
    {
        var index = Connected();
        index.Beat("d1", Session, Beat(utilization: 50, freeVramMib: 20_480), Now, out _);
        var version = index.Version;

        index.Beat("d1", Session, Beat(utilization: 48, freeVramMib: 20_500), Now, out _);
        index.Beat("d1", Session, Beat(utilization: 61, freeVramMib: 20_480), Now, out _);
        var jittered = index.Find("d1")!;
        var afterJitter = index.Version;
        index.Beat("d1", Session, Beat(utilization: 80, freeVramMib: 10_240), Now, out _);
        var moved = index.Find("d1")!;

        Assert.Equal((50, 20_480), (jittered.LoadPct, jittered.FreeVramMib));
        Assert.Equal(version, afterJitter);
        Assert.Equal((80, 10_240), (moved.LoadPct, moved.FreeVramMib));
        Assert.Equal(version + 1, index.Version);
    }

    [Fact]
    public void The_device_grain_sees_a_beat_only_when_it_must_act()
    {
        var wake = Now.AddMinutes(30);
        var online = Connected(DeviceStatus.Online, wake);
        var verifying = Connected(DeviceStatus.Verifying, wake);
        var offline = Connected(DeviceStatus.Offline, wake);

        Assert.False(online.Beat("d1", Session, Beat(), Now, out var status));
        Assert.Equal(DeviceStatus.Online, status);
        Assert.True(online.Beat("d1", Session, Beat(), wake, out _));
        Assert.True(verifying.Beat("d1", Session, Beat(), Now, out _));
        Assert.True(offline.Beat("d1", Session, Beat(), Now, out _));
    }

    [Fact]
    public void Traffic_counts_the_growth_of_the_workers_counters_until_taken()
    {
        var index = Connected();
        index.Beat("d1", Session, Beat(bytesIn: 100, bytesOut: 10), Now, out _);
        index.Beat("d1", Session, Beat(bytesIn: 350, bytesOut: 30), Now, out _);
        index.Beat("d1", Session, Beat(bytesIn: 50, bytesOut: 5), Now, out _); // the worker restarted: counts nothing

        Assert.Equal((250L, 20L), index.TakeTraffic("d1"));
        Assert.Equal((0L, 0L), index.TakeTraffic("d1"));
    }

    [Fact]
    public void A_summary_from_the_device_grain_keeps_the_load_the_shard_measured()
    {
        var index = Connected();
        index.Beat("d1", Session, Beat(utilization: 70, freeVramMib: 4_096), Now, out _);

        index.Upsert(Summary("d1", price: 300_000), Now);

        var summary = index.Find("d1")!;
        Assert.Equal((300_000L, 70, 4_096), (summary.PricePerHourBaseUnits, summary.LoadPct, summary.FreeVramMib));
    }

    [Fact]
    public void A_heartbeat_counts_as_contact_for_the_sweep()
    {
        var options = new PoolOptions();
        var index = Connected();
        var later = Now + options.UnhealthyAfter;
        index.Beat("d1", Session, Beat(), later, out _);

        Assert.Empty(index.Sweep(later + options.UnhealthyAfter - TimeSpan.FromSeconds(1), options));
        Assert.Equal(later, index.Liveness("d1").LastSeenAt);
    }
}
