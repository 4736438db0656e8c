using Fabric.Client;
using Fabric.Devices;
using Fabric.Money;
using Fabric.Wallet;
using Fabric.Worker.Connection;
using Microsoft.Extensions.Logging;

namespace Fabric.Worker.Devices;

/// <summary>How one <see cref="DeviceAgent"/> serves its GPU.</summary>
public sealed record DeviceAgentSettings
{
    /// <summary>The owner's keypair: signs registration, price and region changes, and connections.</summary>
    public required Keypair Owner { get; init; }

    /// <summary>Declared at registration (only when Fabric does not know the device yet).</summary>
    public required DeviceSpec Spec { get; init; }

    /// <summary>Applied to an already registered device when it differs (the owner passed --price).</summary>
    public long? Price { get; init; }

    /// <summary>Applied to an already registered device when it differs (the owner passed --region).</summary>
    public string? Region { get; init; }

    /// <summary>Solver threads for this device's challenges.</summary>
    public int SolverParallelism { get; init; } = 1;

    /// <summary>False with --once: connect and beat, but start no challenge work.</summary>
    public bool AnswerChallenges { get; init; } = true;

    /// <summary>Heartbeat interval until a session says otherwise.</summary>
    public TimeSpan DefaultHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Serves one GPU: makes sure Fabric knows it, keeps a session open, heartbeats on the session's interval, and
/// answers verification challenges in the background. <see cref="RunAsync"/> is the loop; its steps
/// (<see cref="ConnectAsync"/>, <see cref="BeatAsync"/>, <see cref="StepAsync"/>) are public so tests can drive them.
/// </summary>
/// <remarks>
/// Recovery: a heartbeat Fabric refuses (after a silo failover the session, kept in memory, is gone) drops the
/// session, and the next step connects again, re-registering only if Fabric no longer knows the device. When nobody
/// answers, the <see cref="WorkerConnection"/> rebuilds the client and waits out the outage; the agent just tries
/// again on its next tick.
/// </remarks>
public sealed partial class DeviceAgent : IAsyncDisposable
{
    private readonly DeviceAgentSettings _settings;
    private readonly IDeviceApi _api;
    private readonly IChallengeSolver _solver;
    private readonly IHeartbeatSource _heartbeats;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private bool _registrationChecked;
    private int _refusedInARow;
    private Guid? _session;
    private int _shard;
    private Guid? _activeChallenge;
    private (Guid Id, ISolvedChallenge Solution)? _solved;
    private CancellationTokenSource? _challengeCancel;

    /// <summary>Sessions lost in a row, each right after connecting, before the agent suspects another worker.</summary>
    public const int SessionsLostBeforeWarning = 3;

    public DeviceAgent(
        DeviceAgentSettings settings, IDeviceApi api, IChallengeSolver solver, IHeartbeatSource heartbeats, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _api = api;
        _solver = solver;
        _heartbeats = heartbeats;
        _time = time;
        _logger = logger;
        DeviceId = FabricClient.DeviceId(settings.Owner.Address, settings.Spec.GpuUuid);
        HeartbeatInterval = settings.DefaultHeartbeatInterval;
    }

    public string DeviceId { get; }

    public string GpuUuid => _settings.Spec.GpuUuid;

    /// <summary>The open session's token; null before connecting and after Fabric refused it.</summary>
    public Guid? Session
    {
        get
        {
            lock (_lock)
            {
                return _session;
            }
        }

        private set
        {
            lock (_lock)
            {
                _session = value;
            }
        }
    }

    /// <summary>The status Fabric last reported; null before the first answer.</summary>
    public DeviceStatus? Status { get; private set; }

    public TimeSpan HeartbeatInterval { get; private set; }

    /// <summary>The owner removed the device: the agent stops serving it.</summary>
    public bool Removed => Status == DeviceStatus.Removed;

    /// <summary>How the last verification ended; null before one finished.</summary>
    public VerificationOutcome? LastOutcome { get; private set; }

    /// <summary>The challenge work in progress or last finished (tests await it); null before any.</summary>
    public Task? ChallengeTask { get; private set; }

    /// <summary>
    /// Opens a session. The first time, checks that Fabric knows the device (registering it if not) and applies a
    /// changed --price or --region; later, registers again only when the connection is refused and the device is
    /// unknown (a cluster that lost its data). Returns null when the owner removed the device meanwhile (the agent then
    /// stops serving it).
    /// </summary>
    public async Task<DeviceSession?> ConnectAsync(CancellationToken cancellationToken)
    {
        if (!_registrationChecked)
        {
            await EnsureRegisteredAsync(cancellationToken);
            _registrationChecked = true;
        }

        DeviceSession session;
        try
        {
            session = await _api.ConnectAsync(_settings.Owner, DeviceId, cancellationToken);
        }
        catch (FabricRejectedException)
        {
            var known = await _api.GetDeviceAsync(DeviceId, cancellationToken);
            if (known is { Status: DeviceStatus.Removed })
            {
                // Removed by its owner while the worker ran: stop serving it (starting the worker again re-registers it).
                Session = null;
                SetStatus(DeviceStatus.Removed);
                return null;
            }

            if (known is not null)
            {
                throw;
            }

            await RegisterAsync(_settings.Spec, cancellationToken);
            session = await _api.ConnectAsync(_settings.Owner, DeviceId, cancellationToken);
        }

        _shard = session.Shard;
        Session = session.Token;
        HeartbeatInterval = session.HeartbeatInterval > TimeSpan.Zero ? session.HeartbeatInterval : _settings.DefaultHeartbeatInterval;
        SetStatus(session.Status);
        LogConnected(_logger, DeviceId, session.Status, HeartbeatInterval.TotalSeconds);
        if (session.Challenge is { } challenge)
        {
            StartChallenge(challenge);
        }

        return session;
    }

    /// <summary>
    /// Sends one heartbeat on the open session. Returns null when Fabric refused the session (it is dropped; connect
    /// again); a reply's challenge starts in the background.
    /// </summary>
    /// <exception cref="InvalidOperationException">No session is open.</exception>
    public async Task<HeartbeatReply?> BeatAsync(Heartbeat beat, CancellationToken cancellationToken)
    {
        var session = Session ?? throw new InvalidOperationException($"Device {DeviceId} has no session; connect first.");
        HeartbeatReply reply;
        try
        {
            reply = await _api.HeartbeatAsync(DeviceId, _shard, session, Clamp(beat), cancellationToken);
        }
        catch (FabricRejectedException e)
        {
            LogSessionRefused(_logger, DeviceId, e.Message);
            Session = null;
            if (++_refusedInARow == SessionsLostBeforeWarning)
            {
                LogSessionThief(_logger, DeviceId, _refusedInARow);
            }

            return null;
        }

        _refusedInARow = 0;
        SetStatus(reply.Status);
        if (reply.Challenge is { } challenge)
        {
            StartChallenge(challenge);
        }

        return reply;
    }

    /// <summary>
    /// Tells Fabric the device leaves with its worker: it goes Offline now, so a cluster renting it moves the rank to
    /// another device at once instead of after its silence is noticed. Best effort: when no silo answers or the
    /// session is gone, the device's silence marks it as before.
    /// </summary>
    public async Task SignOffAsync(CancellationToken cancellationToken)
    {
        if (Session is not { } session)
        {
            return;
        }

        try
        {
            await _api.SignOffAsync(DeviceId, session, cancellationToken);
            Session = null;
            SetStatus(DeviceStatus.Offline);
        }
        catch (Exception e) when (e is FabricRejectedException or OperationCanceledException || FabricClient.IsUnreachable(e))
        {
            LogSignOffFailed(_logger, DeviceId, e.Message);
        }
    }

    /// <summary>One tick: connect if there is no session, read the GPU, beat; a refused session reconnects at once.</summary>
    public async Task StepAsync(CancellationToken cancellationToken)
    {
        if (Session is null)
        {
            await ConnectAsync(cancellationToken);
        }

        if (Removed)
        {
            return;
        }

        var beat = await _heartbeats.ReadAsync(GpuUuid, cancellationToken);
        if (await BeatAsync(beat, cancellationToken) is null)
        {
            await ConnectAsync(cancellationToken);
        }
    }

    /// <summary>Steps every <see cref="HeartbeatInterval"/> until cancelled or the device is removed; never throws for Fabric's failures.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        PeriodicTimer? timer = null;
        var timerInterval = TimeSpan.Zero;
        try
        {
            while (!cancellationToken.IsCancellationRequested && !Removed)
            {
                try
                {
                    await StepAsync(cancellationToken);
                    failures = 0;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (FabricClient.IsUnreachable(e))
                {
                    // The connection logs the outage and waits it out; here, just try again next tick.
                    LogUnreachable(_logger, DeviceId, e);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Refused connection (bad signature, clock skew) or a fault: back off, say why once per attempt.
                    failures++;
                    var delay = RetryBackoff.Delay(failures, _settings.RetryDelay, _settings.MaxRetryDelay);
                    var reason = WorkerConnection.Reason(e);
                    LogStepFailed(_logger, DeviceId, failures, reason, delay.TotalSeconds);
                    await Task.Delay(delay, _time, cancellationToken);
                    continue;
                }

                if (Removed)
                {
                    break;
                }

                if (timer is null || timerInterval != HeartbeatInterval)
                {
                    timer?.Dispose();
                    timerInterval = HeartbeatInterval;
                    timer = new PeriodicTimer(timerInterval, _time);
                }

                await timer.WaitForNextTickAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            timer?.Dispose();
        }

        if (Removed)
        {
            LogRemoved(_logger, DeviceId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        CancellationTokenSource? cancel;
        Task? work;
        lock (_lock)
        {
            cancel = _challengeCancel;
            work = ChallengeTask;
            _challengeCancel = null;
        }

        if (cancel is not null)
        {
            await cancel.CancelAsync();
        }

        if (work is not null)
        {
            await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        cancel?.Dispose();
    }

    private async Task EnsureRegisteredAsync(CancellationToken cancellationToken)
    {
        var known = await _api.GetDeviceAsync(DeviceId, cancellationToken);
        if (known is null)
        {
            await RegisterAsync(_settings.Spec, cancellationToken);
            return;
        }

        if (known.Status == DeviceStatus.Removed || Declared(known.Spec) != Declared(_settings.Spec))
        {
            // Removed by its owner, who now runs the worker for it again; or the hardware changed (driver, board,
            // machine), which Fabric verifies again. Price and region stay as the owner last set them unless given.
            var spec = _settings.Spec with
            {
                PricePerHourBaseUnits = _settings.Price ?? known.Spec.PricePerHourBaseUnits,
                Region = _settings.Region ?? known.Spec.Region,
            };
            LogReregistering(_logger, DeviceId, known.Status == DeviceStatus.Removed ? "it was removed" : "its hardware changed");
            await RegisterAsync(spec, cancellationToken);
            return;
        }

        if (_settings.Price is { } price && known.Spec.PricePerHourBaseUnits != price)
        {
            await _api.SetPriceAsync(_settings.Owner, DeviceId, price, cancellationToken);
            var (was, now) = (Token.IOSD.FromBaseUnits(known.Spec.PricePerHourBaseUnits), Token.IOSD.FromBaseUnits(price));
            LogPriceChanged(_logger, DeviceId, was, now);
        }

        if (_settings.Region is { } region && !string.Equals(known.Spec.Region, region, StringComparison.Ordinal))
        {
            await _api.SetRegionAsync(_settings.Owner, DeviceId, region, cancellationToken);
            LogRegionChanged(_logger, DeviceId, known.Spec.Region, region);
        }
    }

    /// <summary>
    /// The facts whose change calls for registering again (and so verifying again): the GPU, and the CPU the
    /// reference solver runs on. Not latency, OS version or RAM, which vary between runs without changing the device.
    /// </summary>
    private static (string Model, int VramMib, string Capability, bool Simulated, string Cpu, int Cores) Declared(DeviceSpec spec) =>
        (spec.Model, spec.VramMib, spec.ComputeCapability, spec.Simulated, spec.Host.CpuModel, spec.Host.CpuCores);

    private async Task RegisterAsync(DeviceSpec spec, CancellationToken cancellationToken)
    {
        await _api.RegisterAsync(_settings.Owner, spec, cancellationToken);
        LogRegistered(_logger, DeviceId, spec.Model, spec.VramMib, spec.GpuUuid, spec.Simulated);
    }

    /// <summary>Keeps a reading inside what Fabric accepts (a refused beat would look like a lost session).</summary>
    private Heartbeat Clamp(Heartbeat beat) => beat with
    {
        UtilizationPct = Math.Clamp(beat.UtilizationPct, 0, 100),
        TemperatureC = Math.Clamp(beat.TemperatureC, -50, 150),
        PowerW = Math.Clamp(beat.PowerW, 0, 10_000),
        FreeVramMib = Math.Clamp(beat.FreeVramMib, 0, _settings.Spec.VramMib),
        BytesIn = Math.Max(0, beat.BytesIn),
        BytesOut = Math.Max(0, beat.BytesOut),
    };

    private void SetStatus(DeviceStatus status)
    {
        if (Status != status)
        {
            var old = Status is { } known ? known.ToString() : "none";
            LogStatus(_logger, DeviceId, old, status);
        }

        Status = status;
    }

    private void StartChallenge(ChallengeData challenge)
    {
        if (!_settings.AnswerChallenges || Removed)
        {
            return;
        }

        lock (_lock)
        {
            if (_activeChallenge == challenge.Id)
            {
                return;
            }

            // A different challenge replaces one still running: the silo has given up on the old one.
            _challengeCancel?.Cancel();
            _challengeCancel?.Dispose();
            _challengeCancel = new CancellationTokenSource();
            _activeChallenge = challenge.Id;
            var token = _challengeCancel.Token;
            ChallengeTask = Task.Run(() => AnswerAsync(challenge, token), CancellationToken.None);
        }
    }

    private async Task AnswerAsync(ChallengeData challenge, CancellationToken cancellationToken)
    {
        var retry = false;
        Guid? answeredOn = null;
        try
        {
            var solution = _solved is { } solved && solved.Id == challenge.Id ? solved.Solution : null;
            if (solution is null)
            {
                LogSolving(_logger, DeviceId, challenge.Leaves, challenge.Rounds, _settings.SolverParallelism, challenge.Deadline);
                var left = challenge.Deadline - _time.GetUtcNow();
                using var deadline = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time);
                using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
                var started = _time.GetTimestamp();
                try
                {
                    solution = await _solver.SolveAsync(challenge, _settings.SolverParallelism, both.Token);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    LogExpired(_logger, DeviceId, challenge.Id);
                    return;
                }

                _solved = (challenge.Id, solution);
                var elapsed = _time.GetElapsedTime(started);
                LogSolved(_logger, DeviceId, elapsed.TotalSeconds);
            }

            var session = Session ?? throw new FabricUnreachableException("no session to answer on");
            answeredOn = session;
            var indices = await _api.SubmitChallengeRootAsync(DeviceId, session, challenge.Id, solution.Root, cancellationToken);
            var openings = solution.Open(indices);
            var outcome = await _api.SubmitChallengeOpeningsAsync(DeviceId, session, challenge.Id, openings, cancellationToken);
            LastOutcome = outcome;
            _solved = null;
            if (outcome.Passed)
            {
                LogPassed(_logger, DeviceId, outcome.Tier, outcome.MeasuredHashesPerSecond, outcome.MatchesClaim, outcome.Detail);
            }
            else
            {
                LogFailedVerification(_logger, DeviceId, outcome.Tier, outcome.MeasuredHashesPerSecond, outcome.Detail);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (FabricClient.IsUnreachable(e))
        {
            // Keep the solution: when the challenge comes again (on the next session), it is answered without re-solving.
            retry = true;
            LogAnswerDeferred(_logger, DeviceId, challenge.Id, WorkerConnection.Reason(e));
        }
        catch (FabricRejectedException e)
        {
            // A newer session superseded the one answered on (answer again when asked on the new one), or the answer
            // came too late or was wrong for this challenge (Fabric re-issues as it sees fit: do not resend it).
            retry = answeredOn is not null && Session != answeredOn;
            LogAnswerRefused(_logger, DeviceId, challenge.Id, e.Message);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or OutOfMemoryException)
        {
            LogChallengeFault(_logger, DeviceId, challenge.Id, e.Message);
        }
        finally
        {
            if (retry)
            {
                lock (_lock)
                {
                    if (_activeChallenge == challenge.Id)
                    {
                        _activeChallenge = null;
                    }
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} registered: {Model}, {VramMib} MiB, GPU {GpuUuid}, simulated {Simulated}")]
    private static partial void LogRegistered(ILogger logger, string deviceId, string model, int vramMib, string gpuUuid, bool simulated);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}: registering again: {Why}")]
    private static partial void LogReregistering(ILogger logger, string deviceId, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}: price changed from {Old} to {New} IOSD per GPU-hour")]
    private static partial void LogPriceChanged(ILogger logger, string deviceId, decimal old, decimal @new);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}: region changed from {Old} to {New}")]
    private static partial void LogRegionChanged(ILogger logger, string deviceId, string old, string @new);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId} connected: {Status}, heartbeat every {IntervalSeconds:0.#} s")]
    private static partial void LogConnected(ILogger logger, string deviceId, DeviceStatus status, double intervalSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}: {Old} → {New}")]
    private static partial void LogStatus(ILogger logger, string deviceId, string old, DeviceStatus @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId}: Fabric refused the session ({Reason}); connecting again")]
    private static partial void LogSessionRefused(ILogger logger, string deviceId, string reason);

    // The connection already warned once per attempt; the exception travels for --verbose readers only.
    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Device {DeviceId} lost its session {Count} times in a row: is another fabric-worker serving it with the same keypair? Each connection replaces the other's session")]
    private static partial void LogSessionThief(ILogger logger, string deviceId, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Device {DeviceId}: Fabric not answering")]
    private static partial void LogUnreachable(ILogger logger, string deviceId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} (attempt {Attempt}): {Reason}; retrying in {DelaySeconds:0.0} s")]
    private static partial void LogStepFailed(ILogger logger, string deviceId, int attempt, string reason, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} was removed by its owner; no longer serving it")]
    private static partial void LogRemoved(ILogger logger, string deviceId);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Device {DeviceId}: solving a challenge of {Leaves} leaves × {Rounds} rounds on {Threads} CPU thread(s), due {Deadline}")]
    private static partial void LogSolving(ILogger logger, string deviceId, int leaves, int rounds, int threads, DateTimeOffset deadline);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}: challenge solved in {ElapsedSeconds:0.0} s")]
    private static partial void LogSolved(ILogger logger, string deviceId, double elapsedSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId}: challenge {ChallengeId} passed its deadline before it was solved")]
    private static partial void LogExpired(ILogger logger, string deviceId, Guid challengeId);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Device {DeviceId} verified: tier {Tier}, {HashesPerSecond} hashes/s, matches its model {MatchesClaim} ({Detail})")]
    private static partial void LogPassed(ILogger logger, string deviceId, DeviceTier tier, long hashesPerSecond, bool matchesClaim, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} failed verification: tier {Tier}, {HashesPerSecond} hashes/s ({Detail})")]
    private static partial void LogFailedVerification(ILogger logger, string deviceId, DeviceTier tier, long hashesPerSecond, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId}: answer to challenge {ChallengeId} not delivered ({Reason}); will answer when it is asked again")]
    private static partial void LogAnswerDeferred(ILogger logger, string deviceId, Guid challengeId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId}: answer to challenge {ChallengeId} refused: {Reason}")]
    private static partial void LogAnswerRefused(ILogger logger, string deviceId, Guid challengeId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Device {DeviceId}: challenge {ChallengeId} could not be solved: {Reason}")]
    private static partial void LogChallengeFault(ILogger logger, string deviceId, Guid challengeId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} could not sign off ({Reason}): Fabric marks it Offline when it notices the silence")]
    private static partial void LogSignOffFailed(ILogger logger, string deviceId, string reason);
}
