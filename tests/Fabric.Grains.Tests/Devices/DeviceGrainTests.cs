using Fabric.Devices;
using Fabric.Tests.Ledger;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Devices;

[Collection(ClusterCollection.Name)]
public sealed class DeviceGrainTests(ClusterFixture fixture)
{
    private readonly DeviceTestKit _kit = new(fixture);

    [Fact]
    public async Task Registration_derives_the_id_from_owner_and_gpu_and_starts_unverified()
    {
        var (owner, id, grain) = await _kit.RegisteredAsync();

        var device = await grain.GetAsync();

        Assert.NotNull(device);
        Assert.StartsWith("gpu-", id, StringComparison.Ordinal);
        Assert.Equal(owner.Address.ToString(), device.Owner);
        Assert.Equal(DeviceStatus.Registered, device.Status);
        Assert.Equal(DeviceTier.Unverified, device.Tier);
        Assert.True(device.Spec.Simulated);
        Assert.Equal(ClusterFixture.Clock.GetUtcNow(), device.RegisteredAt);
    }

    [Fact]
    public async Task A_device_id_of_another_owner_cannot_be_registered()
    {
        var alice = Keypair.Generate();
        var mallory = Keypair.Generate();
        var spec = DeviceTestKit.Spec();
        var alicesId = DeviceIdentity.For(alice.Address, spec.GpuUuid);

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.Grain(alicesId).RegisterAsync(DeviceTestKit.RegisterRequest(mallory, spec, alicesId)));

        Assert.Contains("does not belong to", error.Message, StringComparison.Ordinal);
        Assert.Null(await _kit.Grain(alicesId).GetAsync());
    }

    public static TheoryData<string, string> AbsurdSpecs => new()
    {
        { "zero-vram", "VRAM of 0 MiB" },
        { "ten-tb-vram", "VRAM of 10485760 MiB" },
        { "negative-price", "Price per GPU-hour" },
        { "bad-region", "Region 'EU West!'" },
        { "bad-capability", "Compute capability" },
        { "no-model", "Model must be" },
    };

    [Theory]
    [MemberData(nameof(AbsurdSpecs))]
    public async Task Absurd_specs_are_refused_and_nothing_is_stored(string kind, string message)
    {
        var owner = Keypair.Generate();
        var good = DeviceTestKit.Spec();
        var spec = kind switch
        {
            "zero-vram" => good with { VramMib = 0 },
            "ten-tb-vram" => good with { VramMib = 10 * 1024 * 1024 },
            "negative-price" => good with { PricePerHourBaseUnits = -1 },
            "bad-region" => good with { Region = "EU West!" },
            "bad-capability" => good with { ComputeCapability = "ninety" },
            _ => good with { Model = "" },
        };
        var id = DeviceIdentity.For(owner.Address, spec.GpuUuid);

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Grain(id).RegisterAsync(DeviceTestKit.RegisterRequest(owner, spec)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Null(await _kit.Grain(id).GetAsync());
    }

    [Fact]
    public async Task Registering_the_same_spec_again_changes_nothing_and_a_new_spec_needs_verification_again()
    {
        var (owner, id, grain, _) = await _kit.OnlineAsync();
        var device = (await grain.GetAsync())!;

        var same = await grain.RegisterAsync(DeviceTestKit.RegisterRequest(owner, device.Spec));
        var changed = await grain.RegisterAsync(DeviceTestKit.RegisterRequest(owner, device.Spec with { VramMib = 16_384 }));

        Assert.Equal(DeviceStatus.Online, same.Status);
        Assert.Equal(DeviceStatus.Registered, changed.Status);
        Assert.Equal(DeviceTier.Unverified, changed.Tier);
        Assert.Equal(id, changed.Id);
    }

    [Fact]
    public async Task A_connected_device_is_challenged_and_goes_online_when_it_answers()
    {
        var (owner, id, grain) = await _kit.RegisteredAsync();

        var session = await grain.ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id));
        Assert.Equal(DeviceStatus.Verifying, session.Status);
        Assert.NotNull(session.Challenge);
        var outcome = await DeviceTestKit.SolveAsync(grain, session.Token, session.Challenge, TimeSpan.FromMilliseconds(15));

        Assert.True(outcome.Passed, outcome.Detail);
        var device = (await grain.GetAsync())!;
        Assert.Equal(DeviceStatus.Online, device.Status);
        Assert.Equal(DeviceTier.Low, device.Tier);
        Assert.Equal(outcome.MeasuredHashesPerSecond, device.MeasuredHashesPerSecond);
        Assert.Equal(ClusterFixture.Clock.GetUtcNow(), device.VerifiedAt);
    }

    [Fact]
    public async Task A_slow_simulated_device_is_tiered_by_its_cpu_rate_without_being_judged_against_the_model_it_names()
    {
        // A simulated device claiming an RTX 4090 is a CPU thread: however slowly it answers (here 2.5× the target,
        // inside its deadline), its verdict says so rather than comparing it with an RTX 4090 or any expectation.
        var (owner, id, grain) = await _kit.RegisteredAsync();
        var session = await grain.ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id));
        var challenge = session.Challenge!;

        var outcome = await DeviceTestKit.SolveAsync(grain, session.Token, challenge, (challenge.Deadline - challenge.IssuedAt) / 4);

        Assert.True(outcome.Passed, outcome.Detail);
        Assert.True(outcome.MatchesClaim);
        Assert.Equal(DeviceTier.Low, outcome.Tier);
        Assert.EndsWith("hashes/s, simulated on a CPU: tier Low", outcome.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("RTX 4090", outcome.Detail, StringComparison.Ordinal);
        var activity = await grain.GetActivityAsync(DeviceTestKit.Ref(owner, DeviceOperations.Activity, id));
        Assert.Equal($"verified: {outcome.Detail}", activity.StatusHistory[^1].Reason);
    }

    [Fact]
    public async Task A_wrong_answer_fails_verification_and_is_recorded()
    {
        var (owner, id, grain) = await _kit.RegisteredAsync();
        var session = await grain.ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id));
        var challenge = session.Challenge!;
        var forged = challenge with { Seed = new byte[32] };
        var spec = new Verification.ChallengeSpec(challenge.Id, forged.Seed, challenge.Leaves, challenge.Rounds, challenge.IssuedAt, challenge.Deadline);
        var solution = Verification.ChallengeSolver.Solve(spec, 2);

        var samples = await grain.SubmitChallengeRootAsync(session.Token, challenge.Id, solution.Root.ToArray());
        var outcome = await grain.SubmitChallengeOpeningsAsync(session.Token, challenge.Id, DeviceTestKit.Openings(solution.Open(samples)));

        Assert.False(outcome.Passed);
        var device = (await grain.GetAsync())!;
        Assert.Equal(DeviceStatus.FailedVerification, device.Status);
        Assert.Equal(1, device.FailedVerifications);
    }

    [Fact]
    public async Task An_answer_after_the_deadline_fails_verification()
    {
        var (owner, id, grain) = await _kit.RegisteredAsync();
        var session = await grain.ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id));

        var outcome = await DeviceTestKit.SolveAsync(grain, session.Token, session.Challenge!, session.Challenge!.Deadline - session.Challenge.IssuedAt + TimeSpan.FromSeconds(1));

        Assert.False(outcome.Passed);
        Assert.Contains("deadline", outcome.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(DeviceStatus.FailedVerification, (await grain.GetAsync())!.Status);
    }

    [Fact]
    public async Task A_replayed_answer_is_refused()
    {
        var (owner, id, grain) = await _kit.RegisteredAsync();
        var session = await grain.ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id));
        await DeviceTestKit.SolveAsync(grain, session.Token, session.Challenge!, TimeSpan.FromMilliseconds(15));

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            grain.SubmitChallengeRootAsync(session.Token, session.Challenge!.Id, new byte[32]));

        Assert.Contains("No open challenge", error.Message, StringComparison.Ordinal);
        Assert.Equal(DeviceStatus.Online, (await grain.GetAsync())!.Status);
    }

    [Fact]
    public async Task Heartbeats_need_the_owners_session()
    {
        var (owner, id, grain, session) = await _kit.OnlineAsync();
        var mallory = Keypair.Generate();

        var forgedSession = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.BeatAsync(id, Guid.NewGuid(), DeviceTestKit.Beat()));
        var foreignConnect = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            grain.ConnectAsync(DeviceTestKit.Ref(mallory, DeviceOperations.Connect, id)));
        var reply = await _kit.BeatAsync(id, session, DeviceTestKit.Beat(utilization: 33));

        Assert.Contains("No open session", forgedSession.Message, StringComparison.Ordinal);
        Assert.Contains($"only {owner.Address} may make it", foreignConnect.Message, StringComparison.Ordinal);
        Assert.Equal(DeviceStatus.Online, reply.Status);
        Assert.Equal(33, (await grain.GetAsync())!.LastHeartbeat!.UtilizationPct);
    }

    [Fact]
    public async Task Out_of_range_heartbeats_are_refused()
    {
        var (_, id, _, session) = await _kit.OnlineAsync();

        await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.BeatAsync(id, session, DeviceTestKit.Beat(utilization: 250)));
        await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.BeatAsync(id, session, DeviceTestKit.Beat(freeVramMib: 1_000_000)));
    }

    [Fact]
    public async Task Heartbeats_do_not_write_to_the_database()
    {
        var (_, id, _, session) = await _kit.OnlineAsync();
        var before = await StoredVersionAsync(id);

        for (var i = 0; i < 20; i++)
        {
            ClusterFixture.Clock.Advance(TimeSpan.FromSeconds(1));
            await _kit.BeatAsync(id, session, DeviceTestKit.Beat(utilization: i));
        }

        Assert.Equal(before, await StoredVersionAsync(id));
    }

    [Fact]
    public async Task Silence_makes_a_device_unhealthy_then_offline_and_a_heartbeat_brings_it_back_without_reverifying()
    {
        var (_, id, grain, session) = await _kit.OnlineAsync();
        var relay = fixture.Grains.GetGrain<IDeviceRelayGrain>(0);
        var verifiedAt = (await grain.GetAsync())!.VerifiedAt;
        var lastSeen = ClusterFixture.Clock.GetUtcNow();

        ClusterFixture.Clock.Advance(ClusterFixture.Pool.UnhealthyAfter + TimeSpan.FromSeconds(1));
        await relay.MarkSilentAsync(id, DeviceStatus.Unhealthy, lastSeen);
        Assert.Equal(DeviceStatus.Unhealthy, (await grain.GetAsync())!.Status);

        ClusterFixture.Clock.Advance(ClusterFixture.Pool.OfflineAfter);
        await relay.MarkSilentAsync(id, DeviceStatus.Offline, lastSeen);
        Assert.Equal(DeviceStatus.Offline, (await grain.GetAsync())!.Status);

        var reply = await _kit.BeatAsync(id, session, DeviceTestKit.Beat());
        Assert.Equal(DeviceStatus.Online, reply.Status);
        Assert.Null(reply.Challenge);
        Assert.Equal(verifiedAt, (await grain.GetAsync())!.VerifiedAt);
    }

    [Fact]
    public async Task A_device_silent_during_verification_never_comes_back_online_unverified()
    {
        var (owner, id, grain) = await _kit.RegisteredAsync();
        var session = await grain.ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id));
        var lastSeen = ClusterFixture.Clock.GetUtcNow();
        ClusterFixture.Clock.Advance(ClusterFixture.Pool.UnhealthyAfter + TimeSpan.FromSeconds(1));
        await fixture.Grains.GetGrain<IDeviceRelayGrain>(0).MarkSilentAsync(id, DeviceStatus.Unhealthy, lastSeen);

        var reply = await _kit.BeatAsync(id, session.Token, DeviceTestKit.Beat());

        // Its challenge's deadline passed while it was silent: that is a failed verification, not a way online.
        Assert.Equal(DeviceStatus.FailedVerification, reply.Status);
        var device = (await grain.GetAsync())!;
        Assert.Equal((DeviceTier.Unverified, 1), (device.Tier, device.FailedVerifications));
    }

    [Fact]
    public async Task A_stale_silence_report_is_ignored_when_heartbeats_came_since()
    {
        var (_, id, grain, session) = await _kit.OnlineAsync();
        var staleLastSeen = ClusterFixture.Clock.GetUtcNow();
        ClusterFixture.Clock.Advance(ClusterFixture.Pool.UnhealthyAfter + TimeSpan.FromSeconds(1));
        await _kit.BeatAsync(id, session, DeviceTestKit.Beat());

        await fixture.Grains.GetGrain<IDeviceRelayGrain>(0).MarkSilentAsync(id, DeviceStatus.Unhealthy, staleLastSeen);

        Assert.Equal(DeviceStatus.Online, (await grain.GetAsync())!.Status);
    }

    [Fact]
    public async Task Only_the_owner_changes_a_device_and_each_change_is_kept()
    {
        var (owner, id, grain, _) = await _kit.OnlineAsync();
        var mallory = Keypair.Generate();

        var renamed = await grain.UpdateAsync(LedgerTestKit.Sign(owner, DeviceOperations.Rename, new DeviceTextPayload(id, "rig-7").Encode()));
        var repriced = await grain.UpdateAsync(LedgerTestKit.Sign(owner, DeviceOperations.Price, new DevicePricePayload(id, 900_000).Encode()));
        var moved = await grain.UpdateAsync(LedgerTestKit.Sign(owner, DeviceOperations.Region, new DeviceTextPayload(id, "us-east").Encode()));
        var hijack = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            grain.UpdateAsync(LedgerTestKit.Sign(mallory, DeviceOperations.Price, new DevicePricePayload(id, 0).Encode())));

        Assert.Equal("rig-7", renamed.Name);
        Assert.Equal(900_000, repriced.Spec.PricePerHourBaseUnits);
        Assert.Equal("us-east", moved.Spec.Region);
        Assert.Contains("may make it", hijack.Message, StringComparison.Ordinal);
        await fixture.Cluster.DeactivateAsync(grain);
        var reloaded = (await _kit.Grain(id).GetAsync())!;
        Assert.Equal(("rig-7", 900_000L, "us-east"), (reloaded.Name, reloaded.Spec.PricePerHourBaseUnits, reloaded.Spec.Region));
    }

    [Fact]
    public async Task A_replayed_owner_request_is_refused()
    {
        var (owner, id, grain, _) = await _kit.OnlineAsync();
        var rename = LedgerTestKit.Sign(owner, DeviceOperations.Rename, new DeviceTextPayload(id, "first").Encode());
        await grain.UpdateAsync(rename);
        await grain.UpdateAsync(LedgerTestKit.Sign(owner, DeviceOperations.Rename, new DeviceTextPayload(id, "second").Encode()));

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => grain.UpdateAsync(rename));

        Assert.Contains("already applied", error.Message, StringComparison.Ordinal);
        Assert.Equal("second", (await grain.GetAsync())!.Name);
    }

    [Fact]
    public async Task Pause_resume_and_remove_follow_the_owner()
    {
        var (owner, id, grain, session) = await _kit.OnlineAsync();

        var paused = await grain.UpdateAsync(DeviceTestKit.Ref(owner, DeviceOperations.Pause, id));
        var stillPaused = await _kit.BeatAsync(id, session, DeviceTestKit.Beat());
        var resumed = await grain.UpdateAsync(DeviceTestKit.Ref(owner, DeviceOperations.Resume, id));
        var removed = await grain.UpdateAsync(DeviceTestKit.Ref(owner, DeviceOperations.Remove, id));
        var afterRemoval = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            grain.ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id)));

        Assert.Equal(DeviceStatus.Paused, paused.Status);
        Assert.Equal(DeviceStatus.Paused, stillPaused.Status);
        Assert.Equal(DeviceStatus.Online, resumed.Status);
        Assert.Equal(DeviceStatus.Removed, removed.Status);
        Assert.Contains("was removed", afterRemoval.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_owner_sees_status_history_and_uptime_by_the_hour()
    {
        var (owner, id, grain, session) = await _kit.OnlineAsync();
        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(10));
        await _kit.BeatAsync(id, session, DeviceTestKit.Beat());

        var activity = await grain.GetActivityAsync(DeviceTestKit.Ref(owner, DeviceOperations.Activity, id));
        var operatorView = await grain.GetActivityAsync(DeviceTestKit.Ref(ClusterFixture.Authority, DeviceOperations.Activity, id));
        var stranger = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            grain.GetActivityAsync(DeviceTestKit.Ref(Keypair.Generate(), DeviceOperations.Activity, id)));

        Assert.Equal([DeviceStatus.Registered, DeviceStatus.Verifying, DeviceStatus.Online], activity.StatusHistory.Select(c => c.To));
        Assert.True(activity.Uptime.Sum(u => u.Seconds) >= 600, $"uptime {activity.Uptime.Sum(u => u.Seconds)} s");
        Assert.Single(activity.Connections);
        Assert.Equal(activity.StatusHistory, operatorView.StatusHistory);
        Assert.Contains("may make it", stranger.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_device_reads_as_null_and_refuses_a_connect()
    {
        var owner = Keypair.Generate();
        var id = DeviceIdentity.For(owner.Address, "GPU-unknown");

        Assert.Null(await _kit.Grain(id).GetAsync());
        await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Grain(id).ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id)));
    }

    [Fact]
    public async Task Heartbeats_through_the_shard_are_refused_for_an_unknown_session_or_device()
    {
        var (_, id, _, session) = await _kit.OnlineAsync();
        var (_, other, _, otherSession) = await _kit.OnlineAsync();

        var unknownSession = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.BeatAsync(id, Guid.NewGuid(), DeviceTestKit.Beat()));
        var othersSession = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.BeatAsync(id, otherSession, DeviceTestKit.Beat()));
        var unknownDevice = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.Shard(id).HeartbeatAsync($"gpu-unknown-{Guid.NewGuid():N}", session, DeviceTestKit.Beat()));

        Assert.All([unknownSession, othersSession, unknownDevice], e => Assert.Contains("No open session", e.Message, StringComparison.Ordinal));
        Assert.Equal(DeviceStatus.Online, (await _kit.BeatAsync(other, otherSession, DeviceTestKit.Beat())).Status);
    }

    [Fact]
    public async Task A_new_connect_ends_the_previous_session_at_the_shard()
    {
        var (owner, id, grain, first) = await _kit.OnlineAsync();

        var second = await grain.ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id));

        await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.BeatAsync(id, first, DeviceTestKit.Beat()));
        Assert.Equal(DeviceStatus.Online, (await _kit.BeatAsync(id, second.Token, DeviceTestKit.Beat())).Status);
    }

    [Fact]
    public async Task A_collected_device_grain_comes_back_with_its_status_uptime_session_and_latest_heartbeat()
    {
        var (owner, id, grain, session) = await _kit.OnlineAsync();
        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(10));
        await _kit.BeatAsync(id, session, DeviceTestKit.Beat(utilization: 42));

        await fixture.Cluster.DeactivateAsync(grain);
        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(5));
        var reply = await _kit.BeatAsync(id, session, DeviceTestKit.Beat(utilization: 43));
        var device = (await _kit.Grain(id).GetAsync())!;
        var activity = await _kit.Grain(id).GetActivityAsync(DeviceTestKit.Ref(owner, DeviceOperations.Activity, id));

        Assert.Equal(DeviceStatus.Online, reply.Status);
        Assert.Equal(DeviceStatus.Online, device.Status);
        Assert.Equal(43, device.LastHeartbeat!.UtilizationPct);
        Assert.Equal(ClusterFixture.Clock.GetUtcNow(), device.LastSeenAt);
        Assert.True(activity.Uptime.Sum(u => u.Seconds) >= 15 * 60, $"uptime {activity.Uptime.Sum(u => u.Seconds)} s");
    }

    [Fact]
    public async Task Uptime_that_crosses_an_hour_at_a_fractional_second_counts_every_second()
    {
        // Online half a second before the hour (the kit's challenge takes 15 ms of the clock), then ten minutes up.
        var now = ClusterFixture.Clock.GetUtcNow();
        var hour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
        ClusterFixture.Clock.Advance(hour - now - TimeSpan.FromMilliseconds(515));
        var (owner, id, _, session) = await _kit.OnlineAsync();
        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(5));
        await _kit.BeatAsync(id, session, DeviceTestKit.Beat());
        ClusterFixture.Clock.Advance(TimeSpan.FromMinutes(5));

        var activity = await _kit.Grain(id).GetActivityAsync(DeviceTestKit.Ref(owner, DeviceOperations.Activity, id));

        Assert.Equal(600, activity.Uptime.Sum(u => u.Seconds));
        Assert.Equal(2, activity.Uptime.Count);
    }

    [Fact]
    public async Task A_verifying_device_whose_grain_lost_its_challenge_gets_a_new_one_on_its_next_heartbeat()
    {
        var (owner, id, grain) = await _kit.RegisteredAsync();
        var session = await grain.ConnectAsync(DeviceTestKit.Ref(owner, DeviceOperations.Connect, id));

        await fixture.Cluster.DeactivateAsync(grain);
        var reply = await _kit.BeatAsync(id, session.Token, DeviceTestKit.Beat());

        Assert.Equal(DeviceStatus.Verifying, reply.Status);
        Assert.NotNull(reply.Challenge);
        Assert.NotEqual(session.Challenge!.Id, reply.Challenge.Id);
        var outcome = await DeviceTestKit.SolveAsync(_kit.Grain(id), session.Token, reply.Challenge, TimeSpan.FromMilliseconds(15));
        Assert.True(outcome.Passed, outcome.Detail);
    }

    [Fact]
    public async Task Load_and_free_vram_from_heartbeats_reach_pool_queries()
    {
        var (owner, id, _, session) = await _kit.OnlineAsync();
        var pool = fixture.Grains.GetGrain<IPoolGrain>(0);
        var mine = new PoolQuery { Owner = owner.Address.ToString() };

        await _kit.BeatAsync(id, session, DeviceTestKit.Beat(utilization: 73, freeVramMib: 8_500));
        var busy = Assert.Single((await pool.QueryAsync(mine)).Items);
        await _kit.BeatAsync(id, session, DeviceTestKit.Beat(utilization: 5, freeVramMib: 24_000));
        var idle = Assert.Single((await pool.QueryAsync(mine)).Items);

        Assert.Equal((70, 8_192), (busy.LoadPct, busy.FreeVramMib));
        Assert.Equal((0, 23_552), (idle.LoadPct, idle.FreeVramMib));
    }

    [Fact]
    public async Task The_shards_sweep_marks_a_device_that_stops_beating_and_its_next_beat_brings_it_back()
    {
        var (_, id, grain, session) = await _kit.OnlineAsync();
        var relay = fixture.Grains.GetGrain<Pool.IPoolRelayGrain>(0);
        var shard = PoolShards.Of(id, ClusterFixture.Pool.Shards);

        ClusterFixture.Clock.Advance(ClusterFixture.Pool.UnhealthyAfter + TimeSpan.FromSeconds(1));
        await relay.SweepAsync(shard);
        var silent = (await grain.GetAsync())!.Status;
        var reply = await _kit.BeatAsync(id, session, DeviceTestKit.Beat());

        Assert.Equal(DeviceStatus.Unhealthy, silent);
        Assert.Equal(DeviceStatus.Online, reply.Status);
        Assert.Equal(DeviceStatus.Online, (await grain.GetAsync())!.Status);
    }

    private async Task<long> StoredVersionAsync(string deviceId)
    {
        await using var connection = new SqliteConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Version FROM OrleansStorage WHERE GrainIdExtensionString = $id";
        command.Parameters.AddWithValue("$id", deviceId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
