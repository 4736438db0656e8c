using System.Collections.Immutable;
using Fabric.Ledger;
using Fabric.Persistence;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Fabric.Rejections;

namespace Fabric.Devices;

/// <summary>
/// One GPU. Persisted: spec, owner, price, region, verification and tier, reputation, status history, uptime per
/// hour, the open worker session and since when the device is up. In memory only: a pending challenge. Heartbeats go
/// to the device's pool shard, which keeps the latest one and the liveness, and passes a heartbeat on to this grain
/// only when it must act (a status to restore, a challenge to issue or settle, an hour of uptime to write); its sweep
/// tells this grain when heartbeats stop. So no timer runs per device, and a connected but quiet device's grain is
/// collected after <see cref="IdleMinutes"/> minutes instead of staying active for every heartbeat: with 100,000
/// devices that is most of a silo's memory.
/// </summary>
[CollectionAgeLimit(Minutes = IdleMinutes)]
public sealed partial class DeviceGrain(
    [PersistentState("device", "fabric")] IPersistentState<DeviceState> state,
    [PersistentState("device-orders", "fabric")] IPersistentState<DeviceOrdersState> orders,
    IOptions<NetworkOptions> network,
    IOptions<PoolOptions> pool,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    GrainReferences grains,
    ILogger<DeviceGrain> logger) : Grain, IDeviceGrain
{
    /// <summary>Minutes without a call before the grain is collected (it re-activates from storage on the next call).</summary>
    public const int IdleMinutes = 2;

    /// <summary>Spread of the hourly uptime write after the hour turns, so that a fleet's grains do not all wake at once.</summary>
    private const int HourlyWakeSpreadSeconds = 600;

    private const int HistoryLimit = 100;
    private const int UptimeHoursKept = 48;

    private readonly SignedRequestGate _gate = new(network.Value, time);
    private readonly DeviceChallenges _challenges = new(pool.Value, time);
    private Heartbeat? _lastBeat;
    private DateTimeOffset? _lastSeen;
    private DeviceSummary? _published;
    private PendingChallenge? _challenge;
    private IPoolShardGrain? _shard;
    private long _pendingBytesIn;
    private long _pendingBytesOut;

    private DeviceDetails? Device => state.State.Device;

    // Resolved once per activation: GetGrain resolves the interface by reflection, measurable on the heartbeat path.
    private IPoolShardGrain Shard => _shard ??= grains.Get<IPoolShardGrain>(ShardIndex);

    private int ShardIndex => PoolShards.Of(this.GetPrimaryKeyString(), pool.Value.Shards);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Traffic the shard handed over lives only here until the next write: keep it across the collection.
        if (_pendingBytesIn + _pendingBytesOut > 0 && Device is not null)
        {
            try
            {
                await WriteStateAsync(s => s);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogTrafficLost(logger, this.GetPrimaryKeyString(), e.Message);
            }
        }
    }

    public async Task<DeviceDetails> RegisterAsync(SignedEnvelope request)
    {
        var id = this.GetPrimaryKeyString();
        var signer = SignedRequestGate.SignerOf(request);
        var verified = _gate.Verify(request, signer);
        RequireOperation(verified, DeviceOperations.Register);
        var payload = SignedRequestGate.Decode(verified, p => DeviceRegisterPayload.Decode(p.Span));
        var spec = SpecFrom(payload);
        DeviceRules.Validate(spec);
        Require(payload.DeviceId == id, $"The request registers '{payload.DeviceId}', not '{id}'.");
        Require(DeviceIdentity.For(signer, spec.GpuUuid) == id,
            $"Device id '{id}' does not belong to {signer} and GPU {spec.GpuUuid}: ids are derived from both.");

        if (Device is { Status: not DeviceStatus.Removed } existing)
        {
            Require(existing.Owner == signer.ToString(), $"Device '{id}' belongs to another owner.");
            if (existing.Spec == spec)
            {
                return await LiveAsync(existing);
            }

            // A changed spec (new driver, moved machine) must be shown again before it is trusted.
            var respecified = existing with { Spec = spec, Tier = DeviceTier.Unverified, MeasuredHashesPerSecond = 0, VerifiedAt = null };
            await SaveAsync(respecified, DeviceStatus.Registered, "the spec changed: verification needed again");
            return await LiveAsync(Device!);
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
        return await LiveAsync(Device!);
    }

    public async Task<DeviceSession> ConnectAsync(SignedEnvelope request)
    {
        var device = RequireDevice();
        var verified = VerifyOwnerRequest(request, DeviceOperations.Connect, device);
        Require(device.Status != DeviceStatus.Removed, $"Device '{device.Id}' was removed; register it again first.");

        var now = time.GetUtcNow();
        var session = Guid.NewGuid();
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
        await SaveAsync(device, status, reason,
            s => s with { Connections = connections, SeenRequests = Remember(s.SeenRequests, verified), Session = session });
        // The shard takes the heartbeats from here on; it checks them against this session.
        await Shard.OpenSessionAsync(SummaryOf(Device!), session, WakeAt(now));
        return new DeviceSession
        {
            Token = session,
            Status = Device!.Status,
            HeartbeatInterval = pool.Value.HeartbeatInterval,
            Challenge = _challenge?.Data,
            Shard = ShardIndex,
        };
    }

    public async Task<ForwardedBeatReply> ForwardedHeartbeatAsync(Guid session, Heartbeat beat, long bytesIn, long bytesOut)
    {
        // The shard checked the session and the values; a session replaced meanwhile is refused all the same.
        var device = RequireSession(session);
        var now = time.GetUtcNow();
        _lastBeat = beat;
        _lastSeen = now;
        _pendingBytesIn += bytesIn;
        _pendingBytesOut += bytesOut;

        if (_challenge is { Root: null } pending && now > pending.Spec.Deadline)
        {
            await FailVerificationAsync(device, pending.Spec.Id, "no answer to the verification challenge before its deadline");
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
        else if (device.Status == DeviceStatus.Verifying && _challenge is null)
        {
            // This grain was collected (or moved) with the challenge it had sent: send a new one.
            _challenge = _challenges.Issue(device.Spec.Model, device.Spec.Simulated);
        }
        else if (device.Status is DeviceStatus.Online or DeviceStatus.FailedVerification
                 && _challenge is null && state.State.ReverifyAt is { } due && now >= due)
        {
            // Re-verification at a random time; a device that failed gets another chance after the same kind of wait.
            _challenge = _challenges.Issue(device.Spec.Model, device.Spec.Simulated);
        }
        else if (state.State.OnlineSince is { } since && HourOf(since) != HourOf(now))
        {
            // Uptime is written once an hour per device, after the hour turns, with the traffic counters.
            await WriteStateAsync(s => s);
        }

        // The shard may show a status this grain never took (a sweep whose news failed to arrive): always republish.
        _published = null;
        await PublishAsync();
        return new ForwardedBeatReply
        {
            Reply = new HeartbeatReply { Status = Device!.Status, Challenge = _challenge is { Root: null } c ? c.Data : null },
            WakeAt = WakeAt(now),
        };
    }

    public Task<IReadOnlyList<int>> SubmitChallengeRootAsync(Guid session, Guid challengeId, byte[] root)
    {
        RequireSession(session);
        var pending = _challenge is { } c && c.Spec.Id == challengeId && c.Root is null
            ? c
            : throw new FabricRejectedException($"No open challenge {challengeId}: it was answered already, expired, or never sent.");
        Require(root is { Length: 32 }, "A challenge root is 32 bytes.");
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

        var outcome = _challenges.Check(pending, device.Spec.Model, device.Spec.Simulated, openings);
        if (!outcome.Passed)
        {
            await FailVerificationAsync(device, pending.Spec.Id, outcome.Detail, outcome);
            return outcome;
        }

        var now = time.GetUtcNow();
        var verifiedDevice = device with { Tier = outcome.Tier, MeasuredHashesPerSecond = outcome.MeasuredHashesPerSecond, VerifiedAt = now };
        var next = device.Status == DeviceStatus.Paused ? DeviceStatus.Paused : DeviceStatus.Online;
        await SaveAsync(verifiedDevice, next, $"verified: {outcome.Detail}",
            s => s with { ReverifyAt = now + _challenges.NextReverification() });
        LogVerified(logger, device.Id, outcome.Tier, outcome.MeasuredHashesPerSecond);
        return outcome;
    }

    public async Task<DeviceDetails> UpdateAsync(SignedEnvelope request)
    {
        var device = RequireDevice();
        var verified = VerifyOwnerRequest(request, operation: null, device);
        Require(device.Status != DeviceStatus.Removed || verified.Operation == DeviceOperations.Remove,
            $"Device '{device.Id}' was removed.");
        // Whether a worker is connected is the shard's to say: it takes the heartbeats.
        var live = verified.Operation == DeviceOperations.Resume ? await Shard.LivenessAsync(device.Id) : DeviceLive.Unknown;
        var (changed, status, reason) = verified.Operation switch
        {
            DeviceOperations.Rename => Rename(device, verified),
            DeviceOperations.Price => Reprice(device, verified),
            DeviceOperations.Region => Relocate(device, verified),
            DeviceOperations.Pause => Pause(device),
            DeviceOperations.Resume => Resume(device, live),
            DeviceOperations.Remove => Remove(device),
            _ => throw new FabricRejectedException($"'{verified.Operation}' is not a device change."),
        };

        await SaveAsync(changed, status, reason, s => s with
        {
            SeenRequests = Remember(s.SeenRequests, verified),
            Session = status == DeviceStatus.Removed ? Guid.Empty : s.Session,
        });
        if (status == DeviceStatus.Removed)
        {
            _published = null;
            await Shard.RemoveAsync(device.Id);
        }

        return await LiveAsync(Device!);
    }

    public async Task<DeviceDetails?> GetAsync() => Device is { } device ? await LiveAsync(device) : null;

    public Task<DeviceDetails?> PeekAsync() => Task.FromResult(Device);

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
            Uptime = s.OnlineSince is { } since ? AddUptime(s.Uptime, since, time.GetUtcNow()) : s.Uptime,
            BytesIn = s.BytesIn,
            BytesOut = s.BytesOut,
            Work = WorkWithLiveCount(s.Work),
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

        // The report can lag (a sweep runs in batches, heartbeats keep arriving): take the latest contact that this
        // grain (a connect) or the shard (a heartbeat) knows of; if it is recent, the device is alive: remind the shard.
        var now = time.GetUtcNow();
        var live = await Shard.LivenessAsync(device.Id);
        var seen = Latest(Latest(lastSeen, _lastSeen), live.LastSeenAt);
        var silence = now - seen;
        var threshold = status == DeviceStatus.Offline ? pool.Value.OfflineAfter : pool.Value.UnhealthyAfter;
        if (silence < threshold)
        {
            // The shard already shows the silent status: publish the real one again.
            _published = null;
            await PublishAsync();
            if (_published is { } summary)
            {
                await Shard.TouchAsync(summary, seen);
            }

            return;
        }

        // Uptime ends when the device was last heard from, not when the sweep noticed.
        var silent = $"no heartbeat for {silence.TotalSeconds:0} s";
        if (status == DeviceStatus.Offline)
        {
            await GoOfflineAsync(device, seen, now, silent, $"silent since {seen:u}", $"device {device.Id} went silent ({silent})");
            return;
        }

        var connections = Bounded(state.State.Connections, Change(device.Status, status, $"silent since {seen:u}", now));
        await SaveAsync(device, status, silent, s => s with { Connections = connections }, upUntil: seen < now ? seen : now);
    }

    public async Task SignOffAsync(Guid session)
    {
        var device = RequireSession(session);
        if (device.Status is not (DeviceStatus.Online or DeviceStatus.Busy or DeviceStatus.Verifying or DeviceStatus.Unhealthy))
        {
            return;
        }

        var now = time.GetUtcNow();
        await GoOfflineAsync(device, now, now, "its worker stopped", "worker stopped", $"device {device.Id}'s worker stopped");
    }

    /// <summary>
    /// Takes the device Offline as of <paramref name="since"/>: uptime ends there, a cluster renting it re-places its
    /// rank, and leaving a rental is a fault against the owner's stake, whether the worker went silent or said goodbye.
    /// </summary>
    private async Task GoOfflineAsync(DeviceDetails device, DateTimeOffset since, DateTimeOffset now, string reason, string connectionNote, string lostReason)
    {
        var connections = Bounded(state.State.Connections, Change(device.Status, DeviceStatus.Offline, connectionNote, now));
        await SaveAsync(device, DeviceStatus.Offline, reason, s => s with { Connections = connections }, upUntil: since < now ? since : now);
        TellClusterLost(since, lostReason);
        if (state.State.Assignment is { } rented)
        {
            // Gone while rented (silent past the liveness SLA, or signed off): one fault per rental and departure.
            await ReportFaultAsync(new Staking.StakeFault
            {
                FaultId = $"offline/{rented.ClusterId}/{since.ToUnixTimeMilliseconds()}",
                Kind = Staking.FaultKind.DowntimeWhileRented,
                ClusterId = rented.ClusterId,
                At = since,
                Detail = $"Offline while rented to cluster {rented.ClusterId}: {reason}",
            });
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
        Require(device.Status != DeviceStatus.Busy, $"Device '{device.Id}' is running work; pause it when it is idle.");
        return (device, DeviceStatus.Paused, "paused by owner");
    }

    private (DeviceDetails, DeviceStatus, string) Resume(DeviceDetails device, DeviceLive live)
    {
        Require(device.Status == DeviceStatus.Paused, $"Device '{device.Id}' is not paused.");
        var lastSeen = live.LastSeenAt is { } beat && beat > (_lastSeen ?? DateTimeOffset.MinValue) ? beat : _lastSeen ?? DateTimeOffset.MinValue;
        var connected = live.SessionOpen && state.State.Session != Guid.Empty && time.GetUtcNow() - lastSeen < pool.Value.UnhealthyAfter;
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
        Require(device.Status != DeviceStatus.Busy, $"Device '{device.Id}' is running work; remove it when it is idle.");
        return (device, DeviceStatus.Removed, "removed by owner");
    }

    private async Task FailVerificationAsync(DeviceDetails device, Guid challengeId, string why, VerificationOutcome? outcome = null)
    {
        // A verified device in good standing that fails a re-verification did not show what it claims: a fault its
        // stake answers for, once per challenge. A first verification or a device already failing is not slashed.
        var reverification = device.VerifiedAt is not null && device.Status != DeviceStatus.FailedVerification;
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
        if (reverification)
        {
            await ReportFaultAsync(new Staking.StakeFault
            {
                FaultId = $"verify/{challengeId:N}",
                Kind = Staking.FaultKind.FailedVerification,
                ClusterId = state.State.Assignment?.ClusterId ?? "",
                At = time.GetUtcNow(),
                Detail = why,
            });
        }
    }

    /// <summary>
    /// Writes the device with a new status (recording the change) and publishes its summary. An uptime span that the
    /// new status ends is closed at <paramref name="upUntil"/> (default now).
    /// </summary>
    private async Task SaveAsync(
        DeviceDetails device, DeviceStatus status, string reason, Func<DeviceState, DeviceState>? also = null, DateTimeOffset? upUntil = null)
    {
        var now = time.GetUtcNow();
        var old = state.State.Device?.Status ?? DeviceStatus.Registered;
        var history = old != status || state.State.History.IsEmpty
            ? Bounded(state.State.History, Change(old, status, reason, now))
            : state.State.History;
        await WriteStateAsync(s => (also ?? (x => x))(s with { Device = device with { Status = status }, History = history }), upUntil);
        if (old != status)
        {
            LogStatus(logger, device.Id, old, status, reason);
        }

        await PublishAsync();
    }

    /// <summary>
    /// Persists a new state: the open uptime span is rolled into its hour buckets (up to <paramref name="upUntil"/>,
    /// default now) and, if the device is still Online or Busy, a new one opens now; the traffic the shard handed over
    /// is added. The span's start is stored, so a grain collected while its device stays up loses no uptime.
    /// </summary>
    private async Task WriteStateAsync(Func<DeviceState, DeviceState> change, DateTimeOffset? upUntil = null)
    {
        var now = time.GetUtcNow();
        var current = state.State;
        var next = change(current);
        var uptime = next.Uptime;
        if (current.OnlineSince is { } since)
        {
            var end = upUntil is { } until && until < now ? until : now;
            uptime = end > since ? AddUptime(uptime, since, end) : uptime;
        }

        next = next with
        {
            Uptime = uptime,
            OnlineSince = next.Device?.Status is DeviceStatus.Online or DeviceStatus.Busy ? now : null,
            BytesIn = next.BytesIn + _pendingBytesIn,
            BytesOut = next.BytesOut + _pendingBytesOut,
            SeenRequests = next.SeenRequests.RemoveRange(next.SeenRequests.Where(r => r.Value <= now.ToUnixTimeMilliseconds()).Select(r => r.Key)),
        };
        await state.WriteAsync(next);
        _pendingBytesIn = 0;
        _pendingBytesOut = 0;
    }

    /// <summary>
    /// When the shard should next pass a heartbeat on: at once while a challenge is out (it must be answered or fail
    /// by its deadline), else when re-verification is due or, for a device that is up, some minutes into the next hour
    /// (the uptime write); never for a device with nothing due.
    /// </summary>
    private DateTimeOffset WakeAt(DateTimeOffset now)
    {
        if (_challenge is not null)
        {
            return now;
        }

        var wake = DateTimeOffset.MaxValue;
        if (Device?.Status is DeviceStatus.Online or DeviceStatus.FailedVerification && state.State.ReverifyAt is { } due)
        {
            wake = due;
        }

        if (state.State.OnlineSince is not null)
        {
            var hourly = HourOf(now).AddHours(1).AddSeconds(Random.Shared.Next(HourlyWakeSpreadSeconds));
            wake = hourly < wake ? hourly : wake;
        }

        return wake;
    }

    /// <summary>Sends the placement summary to the shard when something placement cares about changed.</summary>
    private async Task PublishAsync()
    {
        if (Device is not { } device || device.Status == DeviceStatus.Removed)
        {
            return;
        }

        var summary = SummaryOf(device);
        if (summary.Equals(_published))
        {
            return;
        }

        await Shard.UpsertAsync(summary);
        _published = summary;
    }

    /// <summary>
    /// The placement summary. Load and free VRAM come from the last heartbeat this grain saw; the shard, which sees
    /// every heartbeat, keeps its own newer values for them.
    /// </summary>
    private DeviceSummary SummaryOf(DeviceDetails device)
    {
        var beat = _lastBeat;
        return new DeviceSummary
        {
            Id = device.Id,
            Owner = device.Owner,
            Model = device.Spec.Model,
            VramMib = device.Spec.VramMib,
            FreeVramMib = beat is null ? device.Spec.VramMib : PoolShardIndex.FreeVramBucket(beat.FreeVramMib),
            Region = device.Spec.Region,
            PricePerHourBaseUnits = device.Spec.PricePerHourBaseUnits,
            Status = device.Status,
            Tier = device.Tier,
            Reputation = device.Reputation,
            LoadPct = beat is null ? 0 : PoolShardIndex.LoadStep(beat.UtilizationPct),
            GpusFree = device.Status == DeviceStatus.Online && !Leased ? 1 : 0,
            Simulated = device.Spec.Simulated,
            Name = device.Name,
        };
    }

    private DeviceDetails RequireDevice() =>
        Device ?? throw new FabricRejectedException($"No device has id '{this.GetPrimaryKeyString()}'.");

    private DeviceDetails RequireSession(Guid session)
    {
        var device = RequireDevice();
        if (session == Guid.Empty || session != state.State.Session)
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

        Require(!state.State.SeenRequests.ContainsKey(verified.RequestId),
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
        Require(named == device.Id, $"The request names device '{named}', not '{device.Id}'.");

    private static void RequireOperation(SignedRequest request, string operation) =>
        Require(request.Operation == operation, $"Expected a {operation} request, got {request.Operation}.");

    private static WalletAddress Owner(DeviceDetails device) => WalletAddress.Parse(device.Owner);

    private static ImmutableDictionary<Guid, long> Remember(ImmutableDictionary<Guid, long> seen, SignedRequest request) =>
        seen.SetItem(request.RequestId, request.ExpiresAtUnixMs);

    private static DeviceSpec SpecFrom(DeviceRegisterPayload p)
    {
        Require(p.VramMib is >= 0 and <= int.MaxValue && p.CpuCores is >= 0 and <= int.MaxValue
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

    /// <summary>The details with the latest heartbeat and contact, which the shard holds.</summary>
    private async Task<DeviceDetails> LiveAsync(DeviceDetails device)
    {
        var live = device.Status == DeviceStatus.Removed ? DeviceLive.Unknown : await Shard.LivenessAsync(device.Id);
        var seen = live.LastSeenAt is { } beat && beat > (_lastSeen ?? DateTimeOffset.MinValue) ? beat : _lastSeen;
        return device with { LastHeartbeat = live.LastHeartbeat ?? _lastBeat, LastSeenAt = seen };
    }

    private static StatusChange Change(DeviceStatus from, DeviceStatus to, string reason, DateTimeOffset at) =>
        new() { At = at, From = from, To = to, Reason = reason };

    private static ImmutableList<StatusChange> Bounded(ImmutableList<StatusChange> list, StatusChange change)
    {
        var added = list.Add(change);
        return added.Count > HistoryLimit ? added.RemoveRange(0, added.Count - HistoryLimit) : added;
    }

    private static DateTimeOffset Latest(DateTimeOffset a, DateTimeOffset? b) => b is { } other && other > a ? other : a;

    private static DateTimeOffset HourOf(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);

    /// <summary>Adds the span [from, to) to per-hour buckets, keeping the last <see cref="UptimeHoursKept"/> hours.</summary>
    private static ImmutableList<UptimeHour> AddUptime(ImmutableList<UptimeHour> uptime, DateTimeOffset from, DateTimeOffset to)
    {
        // Whole seconds of the clock, not of the span: spans that follow one another then add up to the seconds between
        // the first start and the last end, where rounding each span (and each hour of it) down lost up to a second
        // every time.
        (from, to) = (WholeSecond(from), WholeSecond(to));
        if (to <= from)
        {
            return uptime;
        }

        var first = HourOf(from);
        if (to <= first.AddHours(1) && uptime.Count > 0 && uptime[^1].Hour == first)
        {
            // Within the hour the newest bucket counts: it alone changes (the case of nearly every write).
            var last = uptime[^1];
            return uptime.SetItem(uptime.Count - 1, last with { Seconds = AddToHour(last.Seconds, to - from) });
        }

        var buckets = uptime.ToDictionary(u => u.Hour, u => u.Seconds);
        for (var start = from; start < to;)
        {
            var hour = HourOf(start);
            var end = hour.AddHours(1) < to ? hour.AddHours(1) : to;
            buckets[hour] = AddToHour(buckets.GetValueOrDefault(hour), end - start);
            start = end;
        }

        return [.. buckets.OrderBy(b => b.Key).TakeLast(UptimeHoursKept).Select(b => new UptimeHour { Hour = b.Key, Seconds = b.Value })];
    }

    /// <summary>An hour's seconds up, plus <paramref name="span"/> of it: never more than the hour has.</summary>
    private static int AddToHour(int seconds, TimeSpan span) => Math.Min(3600, seconds + (int)span.TotalSeconds);

    private static DateTimeOffset WholeSecond(DateTimeOffset at) => at.AddTicks(-(at.UtcTicks % TimeSpan.TicksPerSecond));

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} registered: {Model}, {VramMib} MiB, {Region}, owner {Owner}, simulated {Simulated}")]
    private static partial void LogRegistered(ILogger logger, string deviceId, string model, int vramMib, string region, string owner, bool simulated);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}: {From} -> {To} ({Reason})")]
    private static partial void LogStatus(ILogger logger, string deviceId, DeviceStatus from, DeviceStatus to, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} verified: tier {Tier}, {HashesPerSecond} hashes/s")]
    private static partial void LogVerified(ILogger logger, string deviceId, DeviceTier tier, long hashesPerSecond);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} was collected with traffic counters unwritten: {Reason}")]
    private static partial void LogTrafficLost(ILogger logger, string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} failed verification: {Reason}")]
    private static partial void LogVerificationFailed(ILogger logger, string deviceId, string reason);
}
