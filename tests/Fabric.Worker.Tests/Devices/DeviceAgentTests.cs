using System.Threading.Channels;
using Fabric.Client;
using Fabric.Devices;
using Fabric.Wallet;
using Fabric.Worker.Devices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Fabric.Worker.Tests.Devices;

public sealed class DeviceAgentTests : IDisposable
{
    private static readonly Keypair Owner = Keypair.FromSecretSeed(Enumerable.Repeat((byte)3, 32).ToArray());
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private static readonly Heartbeat Beat = new() { UtilizationPct = 12, TemperatureC = 40, PowerW = 80, FreeVramMib = 20000, BytesIn = 10, BytesOut = 20 };

    private readonly FakeFabric _fabric = new() { HeartbeatInterval = Interval };
    private readonly FakeSolver _solver = new();
    private readonly TimerWatchingTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ListLogger _logs = new();
    private readonly ILoggerFactory _loggerFactory;

    public DeviceAgentTests()
    {
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
    }

    public void Dispose() => _loggerFactory.Dispose();

    private static DeviceSpec Spec(int vramMib = 24564) => new()
    {
        GpuUuid = "GPU-SIM-test-0",
        Model = "RTX 4090",
        VramMib = vramMib,
        ComputeCapability = "8.9",
        Region = "unknown",
        PricePerHourBaseUnits = 0,
        Simulated = true,
        Host = new HostInfo { CpuModel = "Test CPU", CpuCores = 8, RamMib = 32768, Os = "Linux", BandwidthMbps = 0, LatencyMs = 3 },
    };

    private static string Id => FabricClient.DeviceId(Owner.Address, Spec().GpuUuid);

    private DeviceAgent Agent(long? price = null, string? region = null, Heartbeat? beat = null, int parallelism = 1) => new(
        new DeviceAgentSettings
        {
            Owner = Owner,
            Spec = Spec(),
            Price = price,
            Region = region,
            SolverParallelism = parallelism,
            RetryDelay = TimeSpan.FromSeconds(1),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
        },
        _fabric,
        _solver,
        new FixedHeartbeats(beat ?? Beat),
        _time,
        _loggerFactory.CreateLogger<DeviceAgent>());

    [Fact]
    public async Task First_connect_registers_an_unknown_device_then_opens_a_session()
    {
        var agent = Agent();

        var session = await agent.ConnectAsync(TestContext.Current.CancellationToken);

        Assert.Equal(Id, agent.DeviceId);
        Assert.Equal([$"get {Id}", $"register {Id}", $"connect {Id}"], _fabric.Calls);
        Assert.Equal(session!.Token, agent.Session);
        Assert.Equal((DeviceStatus.Registered, Interval), (agent.Status!.Value, agent.HeartbeatInterval));
        Assert.Equal(Spec(), _fabric.Device(Id)!.Spec);
    }

    [Fact]
    public async Task Signing_off_takes_the_device_offline_on_its_session_and_ends_the_session()
    {
        _fabric.Seed(Spec(), Owner.Address.ToString(), Id);
        var agent = Agent();
        await agent.ConnectAsync(TestContext.Current.CancellationToken);

        await agent.SignOffAsync(TestContext.Current.CancellationToken);

        Assert.Equal($"signoff {Id}", _fabric.Calls[^1]);
        Assert.Equal(DeviceStatus.Offline, _fabric.Device(Id)!.Status);
        Assert.Null(agent.Session);
        Assert.Equal(DeviceStatus.Offline, agent.Status);
    }

    [Fact]
    public async Task A_sign_off_nobody_answers_is_logged_and_leaves_the_device_to_its_silence()
    {
        _fabric.Seed(Spec(), Owner.Address.ToString(), Id);
        var agent = Agent();
        await agent.ConnectAsync(TestContext.Current.CancellationToken);
        _fabric.Unreachable = true;

        await agent.SignOffAsync(TestContext.Current.CancellationToken);

        Assert.Equal(DeviceStatus.Online, _fabric.Device(Id)!.Status);
        Assert.Contains(_logs.Lines, l => l.Message.StartsWith($"Device {Id} could not sign off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_known_device_is_connected_without_registering()
    {
        _fabric.Seed(Spec() with { Host = Spec().Host with { LatencyMs = 40 } }, Owner.Address.ToString(), Id);

        await Agent().ConnectAsync(TestContext.Current.CancellationToken);

        // A different latency is no reason to register again (that would send the device back to verification).
        Assert.Equal([$"get {Id}", $"connect {Id}"], _fabric.Calls);
    }

    [Fact]
    public async Task A_changed_price_or_region_is_applied_to_a_known_device()
    {
        _fabric.Seed(Spec(), Owner.Address.ToString(), Id);

        await Agent(price: 450_000, region: "eu").ConnectAsync(TestContext.Current.CancellationToken);

        Assert.Equal([$"get {Id}", $"price {Id}", $"region {Id}", $"connect {Id}"], _fabric.Calls);
        Assert.Equal((450_000L, "eu"), (_fabric.Device(Id)!.Spec.PricePerHourBaseUnits, _fabric.Device(Id)!.Spec.Region));
    }

    [Fact]
    public async Task Changed_hardware_registers_again_keeping_the_owners_price_and_region()
    {
        _fabric.Seed(Spec(vramMib: 16384) with { PricePerHourBaseUnits = 999_000, Region = "us-east" }, Owner.Address.ToString(), Id);

        await Agent().ConnectAsync(TestContext.Current.CancellationToken);

        Assert.Equal([$"get {Id}", $"register {Id}", $"connect {Id}"], _fabric.Calls);
        Assert.Equal(Spec() with { PricePerHourBaseUnits = 999_000, Region = "us-east" }, _fabric.Device(Id)!.Spec);
    }

    [Fact]
    public async Task A_device_removed_before_the_worker_started_is_registered_again()
    {
        _fabric.Seed(Spec(), Owner.Address.ToString(), Id, DeviceStatus.Removed);

        var session = await Agent().ConnectAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(session);
        Assert.Equal([$"get {Id}", $"register {Id}", $"connect {Id}"], _fabric.Calls);
    }

    [Fact]
    public async Task After_a_failover_a_refused_heartbeat_reconnects_without_registering()
    {
        var agent = Agent();
        await agent.StepAsync(TestContext.Current.CancellationToken);
        var first = agent.Session;

        _fabric.ForgetSessions();
        await agent.StepAsync(TestContext.Current.CancellationToken);

        Assert.NotNull(agent.Session);
        Assert.NotEqual(first, agent.Session);
        Assert.Equal((1, 2), (_fabric.Count("register"), _fabric.Count("connect")));
        Assert.Single(_logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("Fabric refused the session", StringComparison.Ordinal));

        await agent.StepAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, _fabric.Beats.Count);
        Assert.Equal(3, _fabric.Count("heartbeat"));
    }

    [Fact]
    public async Task A_cluster_that_lost_its_data_gets_the_device_registered_again()
    {
        var agent = Agent();
        await agent.StepAsync(TestContext.Current.CancellationToken);

        _fabric.Wipe();
        await agent.StepAsync(TestContext.Current.CancellationToken);

        Assert.Equal((2, 3), (_fabric.Count("register"), _fabric.Count("connect")));
        Assert.NotNull(_fabric.Device(Id));
        Assert.NotNull(agent.Session);
    }

    [Fact]
    public async Task A_device_removed_while_running_is_no_longer_served()
    {
        var agent = Agent();
        await agent.StepAsync(TestContext.Current.CancellationToken);

        _fabric.Remove(Id);
        await agent.RunAsync(TestContext.Current.CancellationToken);

        Assert.True(agent.Removed);
        Assert.Null(agent.Session);
        Assert.Equal(1, _fabric.Count("register"));
        Assert.Single(_logs.Lines, l => l.Message == $"Device {Id} was removed by its owner; no longer serving it");
    }

    [Fact]
    public async Task Out_of_range_readings_are_clamped_rather_than_refused()
    {
        var agent = Agent(beat: Beat with { UtilizationPct = 130, FreeVramMib = 99_999, PowerW = -5 });

        await agent.StepAsync(TestContext.Current.CancellationToken);

        Assert.Equal(Beat with { UtilizationPct = 100, FreeVramMib = 24564, PowerW = 0 }, Assert.Single(_fabric.Beats));
    }

    [Fact]
    public void Beating_without_a_session_is_a_programming_error()
    {
        Assert.Throws<InvalidOperationException>(() => Agent().BeatAsync(Beat, TestContext.Current.CancellationToken).GetAwaiter().GetResult());
    }

    [Fact]
    public async Task A_challenge_is_solved_in_the_background_and_its_sampled_leaves_opened()
    {
        var challenge = FakeFabric.Challenge(_time.GetUtcNow(), TimeSpan.FromMinutes(1));
        _fabric.NextChallenge = challenge;
        _fabric.Samples = [7, 2, 9];
        var agent = Agent(parallelism: 4);

        await agent.ConnectAsync(TestContext.Current.CancellationToken);
        await agent.ChallengeTask!.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal([(challenge.Id, 4)], _solver.Solved);
        var answer = Assert.Single(_fabric.Answers);
        Assert.Equal(challenge.Id, answer.ChallengeId);
        Assert.Equal([7, 2, 9], answer.Openings.Select(o => o.Index));
        Assert.Equal(_fabric.Outcome, agent.LastOutcome);
        Assert.Contains(_logs.Lines, l => l.Message == $"Device {Id} verified: tier High, 123456 hashes/s, matches its model True (answered correctly)");
    }

    [Fact]
    public async Task A_challenge_offered_again_while_being_solved_is_not_started_twice()
    {
        var challenge = FakeFabric.Challenge(_time.GetUtcNow(), TimeSpan.FromMinutes(1));
        _solver.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = Agent();
        _fabric.NextChallenge = challenge;
        await agent.ConnectAsync(TestContext.Current.CancellationToken);
        var work = agent.ChallengeTask;

        // The grain forgot the session meanwhile and offers the same challenge on the new one.
        _fabric.ForgetSessions();
        _fabric.NextChallenge = challenge;
        await agent.StepAsync(TestContext.Current.CancellationToken);
        _solver.Gate.SetResult();
        await agent.ChallengeTask!.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Same(work, agent.ChallengeTask);
        Assert.Single(_solver.Solved);
        Assert.Single(_fabric.Answers);
    }

    [Fact]
    public async Task A_challenge_not_solved_by_its_deadline_is_dropped()
    {
        _solver.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _fabric.NextChallenge = FakeFabric.Challenge(_time.GetUtcNow(), TimeSpan.FromSeconds(10));
        var agent = Agent();
        await agent.ConnectAsync(TestContext.Current.CancellationToken);
        await _time.OneShotTimerCreated.WaitAsync(TestContext.Current.CancellationToken);

        _time.Advance(TimeSpan.FromSeconds(10));
        await agent.ChallengeTask!.WaitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, _fabric.Count("root"));
        Assert.Contains(_logs.Lines, l => l.Message.Contains("passed its deadline before it was solved", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_beats_every_interval_and_rides_out_an_outage()
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var beats = Channel.CreateUnbounded<DateTimeOffset>();
        var fabric = new BeatWatcher(_fabric, _time, beats.Writer);
        var watched = new DeviceAgent(
            new DeviceAgentSettings { Owner = Owner, Spec = Spec(), RetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(1) },
            fabric, _solver, new FixedHeartbeats(Beat), _time, _loggerFactory.CreateLogger<DeviceAgent>());
        var run = watched.RunAsync(stop.Token);

        var start = _time.GetUtcNow();
        Assert.Equal(start, await beats.Reader.ReadAsync(stop.Token));
        await _time.PeriodicTimerCreated.WaitAsync(stop.Token);

        _time.Advance(Interval);
        Assert.Equal(start + Interval, await beats.Reader.ReadAsync(stop.Token));

        // Nobody answers for one tick: the loop logs it and waits for the next.
        _fabric.Unreachable = true;
        _time.Advance(Interval);
        Assert.Equal(start + (2 * Interval), await beats.Reader.ReadAsync(stop.Token));
        _fabric.Unreachable = false;
        _time.Advance(Interval);
        Assert.Equal(start + (3 * Interval), await beats.Reader.ReadAsync(stop.Token));

        Assert.False(run.IsCompleted);
        await stop.CancelAsync();
        await run;
        Assert.Equal(3, _fabric.Beats.Count);
        Assert.Equal(1, _fabric.Count("connect"));
    }

    /// <summary>Passes calls through, writing the (fake) time of every heartbeat attempt.</summary>
    private sealed class BeatWatcher(FakeFabric inner, TimeProvider time, ChannelWriter<DateTimeOffset> beats) : IDeviceApi
    {
        public Task<DeviceDetails?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken) => inner.GetDeviceAsync(deviceId, cancellationToken);

        public Task<DeviceDetails> RegisterAsync(Keypair owner, DeviceSpec spec, CancellationToken cancellationToken) => inner.RegisterAsync(owner, spec, cancellationToken);

        public Task<DeviceDetails> SetPriceAsync(Keypair owner, string deviceId, long price, CancellationToken cancellationToken) =>
            inner.SetPriceAsync(owner, deviceId, price, cancellationToken);

        public Task<DeviceDetails> SetRegionAsync(Keypair owner, string deviceId, string region, CancellationToken cancellationToken) =>
            inner.SetRegionAsync(owner, deviceId, region, cancellationToken);

        public Task<DeviceSession> ConnectAsync(Keypair owner, string deviceId, CancellationToken cancellationToken) =>
            inner.ConnectAsync(owner, deviceId, cancellationToken);

        public async Task<HeartbeatReply> HeartbeatAsync(string deviceId, int shard, Guid session, Heartbeat beat, CancellationToken cancellationToken)
        {
            try
            {
                return await inner.HeartbeatAsync(deviceId, shard, session, beat, cancellationToken);
            }
            finally
            {
                beats.TryWrite(time.GetUtcNow());
            }
        }

        public Task<IReadOnlyList<int>> SubmitChallengeRootAsync(string deviceId, Guid session, Guid challengeId, byte[] root, CancellationToken cancellationToken) =>
            inner.SubmitChallengeRootAsync(deviceId, session, challengeId, root, cancellationToken);

        public Task<VerificationOutcome> SubmitChallengeOpeningsAsync(
            string deviceId, Guid session, Guid challengeId, IReadOnlyList<LeafOpeningData> openings, CancellationToken cancellationToken) =>
            inner.SubmitChallengeOpeningsAsync(deviceId, session, challengeId, openings, cancellationToken);

        public Task SignOffAsync(string deviceId, Guid session, CancellationToken cancellationToken) =>
            inner.SignOffAsync(deviceId, session, cancellationToken);
    }
}

/// <summary>A fake clock that says when the code under test has armed a timer, so a test advances time only then.</summary>
public sealed class TimerWatchingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly TaskCompletionSource _periodic = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _oneShot = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first repeating timer (a PeriodicTimer) exists.</summary>
    public Task PeriodicTimerCreated => _periodic.Task;

    /// <summary>Completes when the first one-shot timer (a delay, a deadline) exists.</summary>
    public Task OneShotTimerCreated => _oneShot.Task;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        (period == Timeout.InfiniteTimeSpan ? _oneShot : _periodic).TrySetResult();
        return timer;
    }
}
