using Fabric.Devices;
using static Fabric.Tests.Pool.PoolSamples;

namespace Fabric.Tests.Pool;

/// <summary>The shard's verified-uptime counts per device and hour, which the hourly rewards read.</summary>
public sealed class PoolShardUptimeTests
{
    private static readonly DateTimeOffset Hour = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TierWeights Weights = new() { Low = 1, Medium = 2, High = 3, Ultra = 4 };

    private static readonly Heartbeat Beat = new() { UtilizationPct = 10, TemperatureC = 50, PowerW = 100, FreeVramMib = 1_024, BytesIn = 0, BytesOut = 0 };

    private readonly Dictionary<string, Guid> _sessions = [];

    private PoolShardIndex Index(DateTimeOffset at, params DeviceSummary[] devices)
    {
        var index = new PoolShardIndex { UptimeGap = TimeSpan.FromSeconds(20) };
        index.Load([], at);
        foreach (var d in devices)
        {
            index.Upsert(d, at);
            _sessions[d.Id] = Guid.NewGuid();
            index.OpenSession(d.Id, _sessions[d.Id], DateTimeOffset.MaxValue, at);
        }

        return index;
    }

    private void BeatEvery(PoolShardIndex index, DateTimeOffset from, DateTimeOffset until, TimeSpan every, params string[] ids)
    {
        for (var t = from; t <= until; t += every)
        {
            foreach (var id in ids)
            {
                index.Beat(id, _sessions[id], Beat, t, out _);
            }
        }
    }

    private static DeviceUptime Of(ShardUptime uptime, string id) => Assert.Single(uptime.Devices, d => d.DeviceId == id);

    [Fact]
    public void Uptime_is_the_time_between_heartbeats_weighted_by_tier()
    {
        var index = Index(Hour, Summary("low", owner: "o1", tier: DeviceTier.Low), Summary("ultra", owner: "o2", tier: DeviceTier.Ultra));

        BeatEvery(index, Hour.AddSeconds(5), Hour.AddMinutes(10), TimeSpan.FromSeconds(5), "low", "ultra");

        var uptime = index.Uptime(Hour, Weights);
        Assert.True(uptime.Complete);
        Assert.Equal(("o1", 600, 600L), (Of(uptime, "low").Owner, Of(uptime, "low").Seconds, Of(uptime, "low").WeightedSeconds));
        Assert.Equal(("o2", 600, 2_400L), (Of(uptime, "ultra").Owner, Of(uptime, "ultra").Seconds, Of(uptime, "ultra").WeightedSeconds));
    }

    [Fact]
    public void A_silence_longer_than_the_unhealthy_threshold_is_not_uptime()
    {
        var index = Index(Hour, Summary("d1"));

        foreach (var s in new[] { 5, 10, 40, 45 })
        {
            index.Beat("d1", _sessions["d1"], Beat, Hour.AddSeconds(s), out _);
        }

        Assert.Equal(15, Of(index.Uptime(Hour, Weights), "d1").Seconds);
    }

    [Fact]
    public void Uptime_across_the_turn_of_the_hour_is_split_between_the_hours()
    {
        var start = Hour.AddSeconds(-10);
        var index = Index(start, Summary("d1", tier: DeviceTier.High));

        BeatEvery(index, start.AddSeconds(5), Hour.AddSeconds(10), TimeSpan.FromSeconds(5), "d1");

        Assert.Equal((10, 30L), (Of(index.Uptime(Hour.AddHours(-1), Weights), "d1").Seconds, Of(index.Uptime(Hour.AddHours(-1), Weights), "d1").WeightedSeconds));
        Assert.Equal(10, Of(index.Uptime(Hour, Weights), "d1").Seconds);
    }

    [Fact]
    public void A_device_that_failed_verification_in_an_hour_earns_nothing_for_that_hour()
    {
        var index = Index(Hour, Summary("d1"), Summary("d2"));
        BeatEvery(index, Hour.AddSeconds(5), Hour.AddMinutes(30), TimeSpan.FromSeconds(5), "d1", "d2");

        index.Upsert(Summary("d2", status: DeviceStatus.FailedVerification), Hour.AddMinutes(30));
        index.Upsert(Summary("d2"), Hour.AddMinutes(31));
        BeatEvery(index, Hour.AddMinutes(31), Hour.AddMinutes(70), TimeSpan.FromSeconds(5), "d1", "d2");

        Assert.Equal(["d1"], index.Uptime(Hour, Weights).Devices.Select(d => d.DeviceId));
        Assert.Equal(["d1", "d2"], index.Uptime(Hour.AddHours(1), Weights).Devices.Select(d => d.DeviceId).Order());
    }

    [Fact]
    public void A_device_the_sweep_marks_offline_earns_nothing_for_that_hour()
    {
        var index = Index(Hour, Summary("d1"), Summary("d2"));
        var pool = new PoolOptions();
        BeatEvery(index, Hour.AddSeconds(5), Hour.AddMinutes(20), TimeSpan.FromSeconds(5), "d1", "d2");
        BeatEvery(index, Hour.AddMinutes(20), Hour.AddMinutes(22), TimeSpan.FromSeconds(5), "d1");

        var silent = index.Sweep(Hour.AddMinutes(22), pool);

        Assert.Equal([("d2", DeviceStatus.Offline)], silent.Select(s => (s.Summary.Id, s.Summary.Status)));
        Assert.Equal(["d1"], index.Uptime(Hour, Weights).Devices.Select(d => d.DeviceId));
    }

    [Theory]
    [InlineData(DeviceStatus.Paused, DeviceTier.Medium)]
    [InlineData(DeviceStatus.Verifying, DeviceTier.Medium)]
    [InlineData(DeviceStatus.Online, DeviceTier.Unverified)]
    public void Devices_not_up_with_a_verified_tier_count_nothing(DeviceStatus status, DeviceTier tier)
    {
        var index = Index(Hour, Summary("d1", status: status, tier: tier));

        BeatEvery(index, Hour.AddSeconds(5), Hour.AddMinutes(10), TimeSpan.FromSeconds(5), "d1");

        Assert.Empty(index.Uptime(Hour, Weights).Devices);
    }

    [Fact]
    public void Removing_a_device_keeps_the_counts_of_the_others()
    {
        var index = Index(Hour, Summary("d1"), Summary("d2"), Summary("d3", tier: DeviceTier.Ultra));
        BeatEvery(index, Hour.AddSeconds(5), Hour.AddMinutes(1), TimeSpan.FromSeconds(5), "d1", "d2", "d3");

        index.Remove("d1");

        var uptime = index.Uptime(Hour, Weights);
        Assert.Equal(["d2", "d3"], uptime.Devices.Select(d => d.DeviceId).Order());
        Assert.Equal((60, 240L), (Of(uptime, "d3").Seconds, Of(uptime, "d3").WeightedSeconds));
    }

    [Fact]
    public void Hours_are_kept_for_six_hours_and_a_shard_loaded_mid_hour_is_incomplete_for_it()
    {
        var index = Index(Hour.AddMinutes(30), Summary("d1"));
        BeatEvery(index, Hour.AddMinutes(30), Hour.AddHours(7), TimeSpan.FromSeconds(15), "d1");

        var loadedMidHour = index.Uptime(Hour, Weights);
        var whole = index.Uptime(Hour.AddHours(1), Weights);
        var current = index.Uptime(Hour.AddHours(6), Weights);

        Assert.False(loadedMidHour.Complete);
        Assert.Empty(loadedMidHour.Devices);
        Assert.True(whole.Complete);
        Assert.Equal(3_600, Of(whole, "d1").Seconds);
        Assert.Equal(3_600, Of(current, "d1").Seconds);
    }
}
