using System.Collections.Immutable;
using Fabric.Ledger;
using Fabric.Persistence;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabric.Devices;

/// <summary>
/// One GPU. Persisted: spec, owner, price, region, verification and tier, reputation, status history, uptime per
/// hour. In memory only: the worker session, the latest heartbeat, a pending challenge. Heartbeats never write to the
/// database; the pool shard learns of changes (coalesced) and of liveness (a touch every few seconds), and its sweep
/// tells this grain when heartbeats stop, so no timer runs per device.
/// </summary>
public sealed partial class DeviceGrain(
    [PersistentState("device", "fabric")] IPersistentState<DeviceState> state,
    IOptions<NetworkOptions> network,
    IOptions<PoolOptions> pool,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    ILogger<DeviceGrain> logger) : Grain, IDeviceGrain
{
    private const int HistoryLimit = 100;
    private const int UptimeHoursKept = 48;

    private readonly SignedRequestGate _gate = new(network.Value, time);
    private readonly DeviceChallenges _challenges = new(pool.Value, time);
    private Guid _session;
    private Heartbeat? _lastBeat;
    private DateTimeOffset? _lastSeen;
    private DateTimeOffset _lastTouch = DateTimeOffset.MinValue;
    private DateTimeOffset? _onlineSince;
    private DeviceSummary? _published;
    private PendingChallenge? _challenge;
    private IPoolShardGrain? _shard;
    private long _pendingBytesIn;
    private long _pendingBytesOut;

    private DeviceDetails? Device => state.State.Device;

    // Resolved once per activation: GetGrain resolves the interface by reflection, measurable on the heartbeat path.
    private IPoolShardGrain Shard => _shard ??= GrainFactory.GetGrain<IPoolShardGrain>(PoolShards.Of(this.GetPrimaryKeyString(), pool.Value.Shards));

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // After a failover the persisted status may say Online while nobody is connected: count uptime from now,
        // and let the sweep (or a reconnect) settle the truth.
        if (Device?.Status is DeviceStatus.Online or DeviceStatus.Busy)
        {
            _onlineSince = time.GetUtcNow();
        }

        return Task.CompletedTask;
    }

    public async Task<DeviceDetails> RegisterAsync(SignedEnvelope request)
    {
        var id = this.GetPrimaryKeyString();
        var signer = SignerOf(request);
        var verified = _gate.Verify(request, signer);
        RequireOperation(verified, DeviceOperations.Register);
        var payload = SignedRequestGate.Decode(verified, p => DeviceRegisterPayload.Decode(p.Span));
        var spec = SpecFrom(payload);
        DeviceRules.Validate(spec);
        DeviceRules.Require(payload.DeviceId == id, $"The request registers '{payload.DeviceId}', not '{id}'.");
        DeviceRules.Require(DeviceIdentity.For(signer, spec.GpuUuid) == id,
            $"Device id '{id}' does not belong to {signer} and GPU {spec.GpuUuid}: ids are derived from both.");

        if (Device is { Status: not DeviceStatus.Removed } existing)
        {
            DeviceRules.Require(existing.Owner == signer.ToString(), $"Device '{id}' belongs to another owner.");
            if (existing.Spec == spec)
            {
                return Live(existing);
            }

            // A changed spec (new driver, moved machine) must be shown again before it is trusted.
            var respecified = existing with { Spec = spec, Tier = DeviceTier.Unverified, MeasuredHashesPerSecond = 0, VerifiedAt = null };
            await SaveAsync(respecified, DeviceStatus.Registered, "the spec changed: verification needed again");
            return Live(Device!);
        }

        var now = time.GetUtcNow();
        var device = new DeviceDetails
        {
            Id = id,
            Owner = signer.ToString(),
            Name = spec.Model,
            Spec = spec,
            Status = DeviceStatus.Registered,
            Tier = DeviceTier.Unverified,
            MeasuredHashesPerSecond = 0,
            VerifiedAt = null,
            FailedVerifications = 0,
            Reputation = 50,
            RegisteredAt = now,
            LastHeartbeat = null,
            LastSeenAt = null,
        };
        await SaveAsync(device, DeviceStatus.Registered, "registered");
        LogRegistered(logger, id, spec.Model, spec.VramMib, spec.Region, device.Owner, spec.Simulated);
        return Live(device);
    }

    public async Task<DeviceSession> ConnectAsync(SignedEnvelope request)
    {
        var device = RequireDevice();
        var verified = VerifyOwnerRequest(request, DeviceOperations.Connect, device);
        DeviceRules.Require(device.Status != DeviceStatus.Removed, $"Device '{device.Id}' was removed; register it again first.");

        var now = time.GetUtcNow();
        _session = Guid.NewGuid();
        _lastSeen = now;
        var (status, reason) = device.Status switch
        {
            DeviceStatus.Paused => (DeviceStatus.Paused, "worker connected (paused by owner)"),
            _ when device.Tier == DeviceTier.Unverified || device.Status == DeviceStatus.FailedVerification =>
                (DeviceStatus.Verifying, "worker connected: verification challenge sent"),
            _ when state.State.Assignment is not null => (DeviceStatus.Busy, "worker connected (rented)"),
            _ => (DeviceStatus.Online, "worker connected"),
        };
        if (status == DeviceStatus.Verifying)
        {
            _challenge = _challenges.Issue(device.Spec.Model, device.Spec.Simulated);
        }

        var connections = Bounded(state.State.Connections, Change(device.Status, status, "worker connected", now));
        await SaveAsync(device, status, reason, s => s with { Connections = connections, SeenRequests = Remember(s.SeenRequests, verified) });
        Touch(now, force: true);
        return new DeviceSession
        {
            Token = _session,
            Status = Device!.Status,
            HeartbeatInterval = pool.Value.HeartbeatInterval,
            Challenge = _challenge?.Data,
        };
    }

    public async Task<HeartbeatReply> HeartbeatAsync(Guid session, Heartbeat beat)
    {
        var device = RequireSession(session);
        DeviceRules.Require(beat.UtilizationPct is >= 0 and <= 100 && beat.TemperatureC is >= -50 and <= 150
                            && beat.PowerW is >= 0 and <= 10_000 && beat.FreeVramMib >= 0 && beat.FreeVramMib <= device.Spec.VramMib
                            && beat.BytesIn >= 0 && beat.BytesOut >= 0,
            "Heartbeat values are out of range (utilisation 0-100, temperature -50-150 °C, power 0-10000 W, free VRAM within the GPU).");

        var now = time.GetUtcNow();
        var previous = _lastBeat;
        _lastBeat = beat;
        _lastSeen = now;

        if (_challenge is { Root: null } pending && now > pending.Spec.Deadline)
        {
            await FailVerificationAsync(device, "no answer to the verification challenge before its deadline");
        }
        else if (device.Status is DeviceStatus.Unhealthy or DeviceStatus.Offline)
        {
            // Back without re-verification, unless it went silent before ever passing one.
            if (device.Tier == DeviceTier.Unverified)
            {
                _challenge ??= _challenges.Issue(device.Spec.Model, device.Spec.Simulated);
                await SaveAsync(device, DeviceStatus.Verifying, "heartbeats resumed: verification still needed");
            }
            else
            {
                await SaveAsync(device, state.State.Assignment is null ? DeviceStatus.Online : DeviceStatus.Busy, "heartbeats resumed");
            }
        }
        else if (device.Status is DeviceStatus.Online or DeviceStatus.FailedVerification
                 && _challenge is null && state.State.ReverifyAt is { } due && now >= due)
        {
            // Re-verification at a random time; a device that failed gets another chance after the same kind of wait.
            _challenge = _challenges.Issue(device.Spec.Model, device.Spec.Simulated);
        }
        else if (_onlineSince is { } since && HourOf(since) != HourOf(now))
        {
            // Uptime is written once an hour per device, when the hour turns, with the traffic counters.
            await WriteStateAsync(s => s with { Device = s.Device });
        }

        AccountTraffic(previous, beat);
        await PublishAsync();
        Touch(now, force: false);
        return new HeartbeatReply { Status = Device!.Status, Challenge = _challenge is { Root: null } c ? c.Data : null };
    }

    public Task<IReadOnlyList<int>> SubmitChallengeRootAsync(Guid session, Guid challengeId, byte[] root)
    {
        RequireSession(session);
        var pending = _challenge is { } c && c.Spec.Id == challengeId && c.Root is null
            ? c
            : throw new FabricRejectedException($"No open challenge {challengeId}: it was answered already, expired, or never sent.");
        DeviceRules.Require(root is { Length: 32 }, "A challenge root is 32 bytes.");
        var samples = DeviceChallenges.Sample(pending.Spec);
        _challenge = pending with { Root = (byte[])root.Clone(), RootAt = time.GetUtcNow(), Samples = samples };
        return Task.FromResult(samples);
    }

    public async Task<VerificationOutcome> SubmitChallengeOpeningsAsync(Guid session, Guid challengeId, IReadOnlyList<LeafOpeningData> openings)
    {
        var device = RequireSession(session);
        var pending = _challenge is { Root: not null } c && c.Spec.Id == challengeId
            ? c
            : throw new FabricRejectedException($"No challenge {challengeId} awaits openings: send its root first, once.");
        _challenge = null;

        var outcome = _challenges.Check(pending, device.Spec.Simulated ? Verification.PerformanceTiers.Fallback.Model : device.Spec.Model, openings);
        if (!outcome.Passed)
        {
            await FailVerificationAsync(device, outcome.Detail, outcome);
            return outcome;
        }

        var now = time.GetUtcNow();
        var verifiedDevice = device with { Tier = outcome.Tier, MeasuredHashesPerSecond = outcome.MeasuredHashesPerSecond, VerifiedAt = now };
        var next = device.Status == DeviceStatus.Paused ? DeviceStatus.Paused : DeviceStatus.Online;
        var shown = outcome.MatchesClaim ? "" : $" (far below a {device.Spec.Model}: tiered by what it showed)";
        await SaveAsync(verifiedDevice, next, $"verified: tier {outcome.Tier}, {outcome.MeasuredHashesPerSecond:N0} hashes/s{shown}",
            s => s with { ReverifyAt = now + _challenges.NextReverification() });
        LogVerified(logger, device.Id, outcome.Tier, outcome.MeasuredHashesPerSecond);
        return outcome;
    }

    public async Task<DeviceDetails> UpdateAsync(SignedEnvelope request)
    {
        var device = RequireDevice();
        var verified = VerifyOwnerRequest(request, operation: null, device);
        DeviceRules.Require(device.Status != DeviceStatus.Removed || verified.Operation == DeviceOperations.Remove,
            $"Device '{device.Id}' was removed.");
        var (changed, status, reason) = verified.Operation switch
        {
            DeviceOperations.Rename => Rename(device, verified),
            DeviceOperations.Price => Reprice(device, verified),
            DeviceOperations.Region => Relocate(device, verified),
            DeviceOperations.Pause => Pause(device),
            DeviceOperations.Resume => Resume(device),
            DeviceOperations.Remove => Remove(device),
            _ => throw new FabricRejectedException($"'{verified.Operation}' is not a device change."),
        };

        await SaveAsync(changed, status, reason, s => s with { SeenRequests = Remember(s.SeenRequests, verified) });
        if (status == DeviceStatus.Removed)
        {
            _session = Guid.Empty;
            _published = null;
            await Shard.RemoveAsync(device.Id);
        }

        return Live(Device!);
    }

    public Task<DeviceDetails?> GetAsync() => Task.FromResult(Device is { } device ? Live(device) : null);

    public Task<DeviceActivity> GetActivityAsync(SignedEnvelope request)
    {
        var device = RequireDevice();
        // The owner sees their device's activity; so does the operator, who signs with the network authority key.
        var reader = request.Signer == network.Value.Authority && WalletAddress.TryParse(network.Value.Authority, out var authority)
            ? authority
            : Owner(device);
        var verified = _gate.Verify(request, reader);
        RequireOperation(verified, DeviceOperations.Activity);
        var s = state.State;
        return Task.FromResult(new DeviceActivity
        {
            StatusHistory = s.History,
            Connections = s.Connections,
            Uptime = WithOpenSpan(s.Uptime, time.GetUtcNow()),
            BytesIn = s.BytesIn,
            BytesOut = s.BytesOut,
            Work = s.Work,
        });
    }

    public async Task MarkSilentAsync(DeviceStatus status, DateTimeOffset lastSeen)
    {
        if (Device is not { } device
            || device.Status is not (DeviceStatus.Online or DeviceStatus.Busy or DeviceStatus.Verifying or DeviceStatus.Unhealthy)
            || status is not (DeviceStatus.Unhealthy or DeviceStatus.Offline)
            || device.Status == status)
        {
            return;
        }

        // The shard's view can lag: if a heartbeat came since, the device is alive; remind the shard instead.
        var now = time.GetUtcNow();
        var silence = now - (_lastSeen ?? lastSeen);
        var threshold = status == DeviceStatus.Offline ? pool.Value.OfflineAfter : pool.Value.UnhealthyAfter;
        if (silence < threshold)
        {
            // The shard already shows the silent status: publish the real one again.
            _published = null;
            await PublishAsync();
            Touch(now, force: true);
            return;
        }

        var connections = Bounded(state.State.Connections, Change(device.Status, status, $"silent since {(_lastSeen ?? lastSeen):u}", now));
        await SaveAsync(device, status, $"no heartbeat for {silence.TotalSeconds:0} s", s => s with { Connections = connections });
        if (status == DeviceStatus.Offline)
        {
            TellClusterLost(_lastSeen ?? lastSeen, $"device {device.Id} went silent (no heartbeat for {silence.TotalSeconds:0} s)");
        }
    }

    private static (DeviceDetails, DeviceStatus, string) Rename(DeviceDetails device, SignedRequest request)
    {
        var change = SignedRequestGate.Decode(request, p => DeviceTextPayload.Decode(p.Span));
        RequireSameDevice(change.DeviceId, device);
        DeviceRules.ValidateName(change.Value);
        return (device with { Name = change.Value }, device.Status, $"renamed to '{change.Value}'");
    }

    private static (DeviceDetails, DeviceStatus, string) Reprice(DeviceDetails device, SignedRequest request)
    {
        var change = SignedRequestGate.Decode(request, p => DevicePricePayload.Decode(p.Span));
        RequireSameDevice(change.DeviceId, device);
        DeviceRules.ValidatePrice(change.PricePerHourBaseUnits);
        return (device with { Spec = device.Spec with { PricePerHourBaseUnits = change.PricePerHourBaseUnits } }, device.Status,
            $"price set to {change.PricePerHourBaseUnits} IOSD base units per GPU-hour");
    }

    private static (DeviceDetails, DeviceStatus, string) Relocate(DeviceDetails device, SignedRequest request)
    {
        var change = SignedRequestGate.Decode(request, p => DeviceTextPayload.Decode(p.Span));
        RequireSameDevice(change.DeviceId, device);
        DeviceRules.ValidateRegion(change.Value);
        return (device with { Spec = device.Spec with { Region = change.Value } }, device.Status, $"region set to {change.Value}");
    }

    private static (DeviceDetails, DeviceStatus, string) Pause(DeviceDetails device)
    {
        DeviceRules.Require(device.Status != DeviceStatus.Busy, $"Device '{device.Id}' is running work; pause it when it is idle.");
        return (device, DeviceStatus.Paused, "paused by owner");
    }

    private (DeviceDetails, DeviceStatus, string) Resume(DeviceDetails device)
    {
        DeviceRules.Require(device.Status == DeviceStatus.Paused, $"Device '{device.Id}' is not paused.");
        var connected = _session != Guid.Empty && time.GetUtcNow() - (_lastSeen ?? DateTimeOffset.MinValue) < pool.Value.UnhealthyAfter;
        var status = (connected, device.Tier) switch
        {
            (false, _) => DeviceStatus.Offline,
            (true, DeviceTier.Unverified) => DeviceStatus.Registered,
            _ => DeviceStatus.Online,
        };
        return (device, status, "resumed by owner");
    }

    private static (DeviceDetails, DeviceStatus, string) Remove(DeviceDetails device)
    {
        DeviceRules.Require(device.Status != DeviceStatus.Busy, $"Device '{device.Id}' is running work; remove it when it is idle.");
        return (device, DeviceStatus.Removed, "removed by owner");
    }

    private async Task FailVerificationAsync(DeviceDetails device, string why, VerificationOutcome? outcome = null)
    {
        _challenge = null;
        var failed = device with
        {
            FailedVerifications = device.FailedVerifications + 1,
            Tier = outcome is { Passed: true } ? outcome.Tier : device.Tier,
            MeasuredHashesPerSecond = outcome?.MeasuredHashesPerSecond ?? device.MeasuredHashesPerSecond,
        };
        await SaveAsync(failed, DeviceStatus.FailedVerification, $"verification failed: {why}",
            s => s with { ReverifyAt = time.GetUtcNow() + _challenges.NextReverification() });
        LogVerificationFailed(logger, device.Id, why);
    }

    /// <summary>Writes the device with a new status (recording the change) and publishes its summary.</summary>
    private async Task SaveAsync(DeviceDetails device, DeviceStatus status, string reason, Func<DeviceState, DeviceState>? also = null)
    {
        var now = time.GetUtcNow();
        var old = state.State.Device?.Status ?? DeviceStatus.Registered;
        var uptime = state.State.Uptime;
        if (_onlineSince is { } since && status is not (DeviceStatus.Online or DeviceStatus.Busy))
        {
            uptime = AddUptime(uptime, since, now);
        }

        var history = old != status || state.State.History.IsEmpty
            ? Bounded(state.State.History, Change(old, status, reason, now))
            : state.State.History;
        await WriteStateAsync(s => (also ?? (x => x))(s with { Device = device with { Status = status }, History = history, Uptime = uptime }));

        _onlineSince = status is DeviceStatus.Online or DeviceStatus.Busy ? _onlineSince ?? now : null;
        if (old != status)
        {
            LogStatus(logger, device.Id, old, status, reason);
        }

        await PublishAsync();
    }

    /// <summary>Persists a new state (rolling the open uptime span into its hour buckets first).</summary>
    private async Task WriteStateAsync(Func<DeviceState, DeviceState> change)
    {
        var now = time.GetUtcNow();
        var next = change(state.State);
        var rolled = _onlineSince is { } since && next.Device?.Status is DeviceStatus.Online or DeviceStatus.Busy;
        if (rolled)
        {
            next = next with { Uptime = AddUptime(next.Uptime, _onlineSince!.Value, now) };
        }

        next = next with
        {
            BytesIn = next.BytesIn + _pendingBytesIn,
            BytesOut = next.BytesOut + _pendingBytesOut,
            SeenRequests = next.SeenRequests.RemoveRange(next.SeenRequests.Where(r => r.Value <= now.ToUnixTimeMilliseconds()).Select(r => r.Key)),
        };
        await state.WriteAsync(next);
        _pendingBytesIn = 0;
        _pendingBytesOut = 0;
        if (rolled)
        {
            _onlineSince = now;
        }
    }

    private void AccountTraffic(Heartbeat? previous, Heartbeat beat)
    {
        // Counters are the worker's totals since it started; a drop means it restarted, and the new value is all new.
        _pendingBytesIn += previous is null || beat.BytesIn < previous.BytesIn ? 0 : beat.BytesIn - previous.BytesIn;
        _pendingBytesOut += previous is null || beat.BytesOut < previous.BytesOut ? 0 : beat.BytesOut - previous.BytesOut;
    }

    /// <summary>Sends the placement summary to the shard when something placement cares about changed.</summary>
    private async Task PublishAsync()
    {
        if (Device is not { } device || device.Status == DeviceStatus.Removed)
        {
            return;
        }

        var beat = _lastBeat;
        var free = beat is null ? device.Spec.VramMib : beat.FreeVramMib / 1024 * 1024;
        var load = beat is null ? 0 : beat.UtilizationPct / 10 * 10;
        var gpusFree = device.Status == DeviceStatus.Online && !Leased ? 1 : 0;
        if (_published is { } p && p.Status == device.Status && p.FreeVramMib == free && p.LoadPct == load && p.GpusFree == gpusFree
            && p.Tier == device.Tier && p.PricePerHourBaseUnits == device.Spec.PricePerHourBaseUnits && p.Region == device.Spec.Region
            && p.Name == device.Name && p.Reputation == device.Reputation && p.Model == device.Spec.Model && p.VramMib == device.Spec.VramMib)
        {
            return;
        }

        var summary = new DeviceSummary
        {
            Id = device.Id,
            Owner = device.Owner,
            Model = device.Spec.Model,
            VramMib = device.Spec.VramMib,
            FreeVramMib = free,
            Region = device.Spec.Region,
            PricePerHourBaseUnits = device.Spec.PricePerHourBaseUnits,
            Status = device.Status,
            Tier = device.Tier,
            Reputation = device.Reputation,
            LoadPct = load,
            GpusFree = gpusFree,
            Simulated = device.Spec.Simulated,
            Name = device.Name,
        };
        await Shard.UpsertAsync(summary);
        _published = summary;
    }

    private void Touch(DateTimeOffset now, bool force)
    {
        if (_published is { } summary && (force || now - _lastTouch >= pool.Value.TouchEvery))
        {
            _lastTouch = now;
            _ = Shard.TouchAsync(summary, now);
        }
    }

    private DeviceDetails RequireDevice() =>
        Device ?? throw new FabricRejectedException($"No device has id '{this.GetPrimaryKeyString()}'.");

    private DeviceDetails RequireSession(Guid session)
    {
        var device = RequireDevice();
        if (session == Guid.Empty || session != _session)
        {
            throw new FabricRejectedException($"No open session {session} for device '{device.Id}': connect again (sessions end when a silo fails over).");
        }

        return device;
    }

    private SignedRequest VerifyOwnerRequest(SignedEnvelope request, string? operation, DeviceDetails device)
    {
        var verified = _gate.Verify(request, Owner(device));
        if (operation is not null)
        {
            RequireOperation(verified, operation);
        }

        DeviceRules.Require(!state.State.SeenRequests.ContainsKey(verified.RequestId),
            $"Request {verified.RequestId} was already applied to device '{device.Id}'; a replay changes nothing.");
        if (verified.Operation is DeviceOperations.Connect)
        {
            RequireSameDevice(SignedRequestGate.Decode(verified, p => DeviceRefPayload.Decode(p.Span)).DeviceId, device);
        }
        else if (verified.Operation is DeviceOperations.Pause or DeviceOperations.Resume or DeviceOperations.Remove)
        {
            RequireSameDevice(SignedRequestGate.Decode(verified, p => DeviceRefPayload.Decode(p.Span)).DeviceId, device);
        }

        return verified;
    }

    private static void RequireSameDevice(string named, DeviceDetails device) =>
        DeviceRules.Require(named == device.Id, $"The request names device '{named}', not '{device.Id}'.");

    private static void RequireOperation(SignedRequest request, string operation) =>
        DeviceRules.Require(request.Operation == operation, $"Expected a {operation} request, got {request.Operation}.");

    private static WalletAddress SignerOf(SignedEnvelope request) =>
        WalletAddress.TryParse(request.Signer, out var signer, out var error)
            ? signer
            : throw new FabricRejectedException($"The request's signer address is malformed: {error}");

    private static WalletAddress Owner(DeviceDetails device) => WalletAddress.Parse(device.Owner);

    private static ImmutableDictionary<Guid, long> Remember(ImmutableDictionary<Guid, long> seen, SignedRequest request) =>
        seen.SetItem(request.RequestId, request.ExpiresAtUnixMs);

    private static DeviceSpec SpecFrom(DeviceRegisterPayload p)
    {
        DeviceRules.Require(p.VramMib is >= 0 and <= int.MaxValue && p.CpuCores is >= 0 and <= int.MaxValue
                            && p.BandwidthMbps is >= 0 and <= int.MaxValue && p.LatencyMs is >= 0 and <= int.MaxValue,
            "A numeric field of the registration is out of range.");
        return new DeviceSpec
        {
            GpuUuid = p.GpuUuid,
            Model = p.Model,
            VramMib = (int)p.VramMib,
            ComputeCapability = p.ComputeCapability,
            Region = p.Region,
            PricePerHourBaseUnits = p.PricePerHourBaseUnits,
            Simulated = p.Simulated,
            Host = new HostInfo
            {
                CpuModel = p.CpuModel, CpuCores = (int)p.CpuCores, RamMib = p.RamMib, Os = p.Os,
                BandwidthMbps = (int)p.BandwidthMbps, LatencyMs = (int)p.LatencyMs,
            },
        };
    }

    private DeviceDetails Live(DeviceDetails device) => device with { LastHeartbeat = _lastBeat, LastSeenAt = _lastSeen };

    private static StatusChange Change(DeviceStatus from, DeviceStatus to, string reason, DateTimeOffset at) =>
        new() { At = at, From = from, To = to, Reason = reason };

    private static ImmutableList<StatusChange> Bounded(ImmutableList<StatusChange> list, StatusChange change)
    {
        var added = list.Add(change);
        return added.Count > HistoryLimit ? added.RemoveRange(0, added.Count - HistoryLimit) : added;
    }

    private static DateTimeOffset HourOf(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);

    /// <summary>Adds the span [from, to) to per-hour buckets, keeping the last <see cref="UptimeHoursKept"/> hours.</summary>
    private static ImmutableList<UptimeHour> AddUptime(ImmutableList<UptimeHour> uptime, DateTimeOffset from, DateTimeOffset to)
    {
        var buckets = uptime.ToDictionary(u => u.Hour, u => u.Seconds);
        for (var start = from; start < to;)
        {
            var hour = HourOf(start);
            var end = hour.AddHours(1) < to ? hour.AddHours(1) : to;
            buckets[hour] = Math.Min(3600, buckets.GetValueOrDefault(hour) + (int)(end - start).TotalSeconds);
            start = end;
        }

        return [.. buckets.OrderBy(b => b.Key).TakeLast(UptimeHoursKept).Select(b => new UptimeHour { Hour = b.Key, Seconds = b.Value })];
    }

    private ImmutableList<UptimeHour> WithOpenSpan(ImmutableList<UptimeHour> uptime, DateTimeOffset now) =>
        _onlineSince is { } since ? AddUptime(uptime, since, now) : uptime;

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} registered: {Model}, {VramMib} MiB, {Region}, owner {Owner}, simulated {Simulated}")]
    private static partial void LogRegistered(ILogger logger, string deviceId, string model, int vramMib, string region, string owner, bool simulated);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}: {From} -> {To} ({Reason})")]
    private static partial void LogStatus(ILogger logger, string deviceId, DeviceStatus from, DeviceStatus to, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} verified: tier {Tier}, {HashesPerSecond} hashes/s")]
    private static partial void LogVerified(ILogger logger, string deviceId, DeviceTier tier, long hashesPerSecond);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} failed verification: {Reason}")]
    private static partial void LogVerificationFailed(ILogger logger, string deviceId, string reason);
}
