using System.Collections.Concurrent;
using Fabric.Client;
using Fabric.Devices;
using Fabric.Wallet;
using Fabric.Worker.Devices;

namespace Fabric.Worker.Tests.Devices;

/// <summary>An in-memory stand-in for the device grains, with switches for the failures a worker must ride out.</summary>
public sealed class FakeFabric : IDeviceApi
{
    private readonly ConcurrentDictionary<string, DeviceDetails> _devices = new();
    private readonly ConcurrentDictionary<string, Guid> _sessions = new();
    private readonly ConcurrentQueue<string> _calls = new();

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>When set, every call fails as if no silo answered.</summary>
    public bool Unreachable { get; set; }

    /// <summary>Handed out with the next connection, then cleared.</summary>
    public ChallengeData? NextChallenge { get; set; }

    public VerificationOutcome Outcome { get; set; } = new()
    {
        Passed = true, Detail = "answered correctly", Tier = DeviceTier.High, MeasuredHashesPerSecond = 123_456, MatchesClaim = true,
    };

    public IReadOnlyList<int> Samples { get; set; } = [3, 1];

    /// <summary>Calls made, e.g. "register gpu-…", "heartbeat gpu-…".</summary>
    public IReadOnlyList<string> Calls => [.. _calls];

    public int Count(string call) => Calls.Count(c => c.StartsWith(call + " ", StringComparison.Ordinal));

    public List<Heartbeat> Beats { get; } = [];

    public List<(Guid ChallengeId, byte[] Root, IReadOnlyList<LeafOpeningData> Openings)> Answers { get; } = [];

    public DeviceDetails? Device(string id) => _devices.GetValueOrDefault(id);

    /// <summary>A silo failover: sessions lived in its memory.</summary>
    public void ForgetSessions() => _sessions.Clear();

    /// <summary>A cluster that lost its data.</summary>
    public void Wipe()
    {
        _devices.Clear();
        _sessions.Clear();
    }

    public void Remove(string id)
    {
        _devices[id] = _devices[id] with { Status = DeviceStatus.Removed };
        _sessions.TryRemove(id, out _);
    }

    public void Seed(DeviceSpec spec, string owner, string id, DeviceStatus status = DeviceStatus.Online) =>
        _devices[id] = Details(id, owner, spec, status);

    public Task<DeviceDetails?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken) =>
        Call("get", deviceId, () => _devices.GetValueOrDefault(deviceId));

    public Task<DeviceDetails> RegisterAsync(Keypair owner, DeviceSpec spec, CancellationToken cancellationToken) =>
        Call("register", FabricClient.DeviceId(owner.Address, spec.GpuUuid), () =>
        {
            var id = FabricClient.DeviceId(owner.Address, spec.GpuUuid);
            return _devices[id] = Details(id, owner.Address.ToString(), spec, DeviceStatus.Registered);
        });

    public Task<DeviceDetails> SetPriceAsync(Keypair owner, string deviceId, long pricePerHourBaseUnits, CancellationToken cancellationToken) =>
        Call("price", deviceId, () => _devices[deviceId] = _devices[deviceId] with
        {
            Spec = _devices[deviceId].Spec with { PricePerHourBaseUnits = pricePerHourBaseUnits },
        });

    public Task<DeviceDetails> SetRegionAsync(Keypair owner, string deviceId, string region, CancellationToken cancellationToken) =>
        Call("region", deviceId, () => _devices[deviceId] = _devices[deviceId] with { Spec = _devices[deviceId].Spec with { Region = region } });

    public Task<DeviceSession> ConnectAsync(Keypair owner, string deviceId, CancellationToken cancellationToken) =>
        Call("connect", deviceId, () =>
        {
            var device = _devices.GetValueOrDefault(deviceId) ?? throw new FabricRejectedException($"No device has id '{deviceId}'.");
            if (device.Status == DeviceStatus.Removed)
            {
                throw new FabricRejectedException($"Device '{deviceId}' was removed; register it again first.");
            }

            var token = _sessions[deviceId] = Guid.NewGuid();
            var challenge = NextChallenge;
            NextChallenge = null;
            return new DeviceSession { Token = token, Status = device.Status, HeartbeatInterval = HeartbeatInterval, Challenge = challenge, Shard = 0 };
        });

    public Task<HeartbeatReply> HeartbeatAsync(string deviceId, int shard, Guid session, Heartbeat beat, CancellationToken cancellationToken) =>
        Call("heartbeat", deviceId, () =>
        {
            RequireSession(deviceId, session);
            lock (Beats)
            {
                Beats.Add(beat);
            }

            return new HeartbeatReply { Status = _devices[deviceId].Status, Challenge = null };
        });

    public Task<IReadOnlyList<int>> SubmitChallengeRootAsync(
        string deviceId, Guid session, Guid challengeId, byte[] root, CancellationToken cancellationToken) =>
        Call("root", deviceId, () =>
        {
            RequireSession(deviceId, session);
            return Samples;
        });

    public Task<VerificationOutcome> SubmitChallengeOpeningsAsync(
        string deviceId, Guid session, Guid challengeId, IReadOnlyList<LeafOpeningData> openings, CancellationToken cancellationToken) =>
        Call("openings", deviceId, () =>
        {
            RequireSession(deviceId, session);
            lock (Answers)
            {
                Answers.Add((challengeId, [], openings));
            }

            return Outcome;
        });

    public Task SignOffAsync(string deviceId, Guid session, CancellationToken cancellationToken) =>
        Call("signoff", deviceId, () =>
        {
            RequireSession(deviceId, session);
            _devices[deviceId] = _devices[deviceId] with { Status = DeviceStatus.Offline };
            return true;
        });

    public static ChallengeData Challenge(DateTimeOffset now, TimeSpan allowed) => new()
    {
        Id = Guid.NewGuid(),
        Seed = new byte[32],
        Leaves = 256,
        Rounds = 1,
        IssuedAt = now,
        Deadline = now + allowed,
    };

    private void RequireSession(string deviceId, Guid session)
    {
        if (!_sessions.TryGetValue(deviceId, out var open) || open != session)
        {
            throw new FabricRejectedException($"No open session {session} for device '{deviceId}': connect again.");
        }
    }

    private Task<T> Call<T>(string name, string deviceId, Func<T> body)
    {
        _calls.Enqueue($"{name} {deviceId}");
        if (Unreachable)
        {
            return Task.FromException<T>(new FabricUnreachableException("Fabric stopped answering: Connection refused"));
        }

        try
        {
            return Task.FromResult(body());
        }
        catch (FabricRejectedException e)
        {
            return Task.FromException<T>(e);
        }
    }

    private static DeviceDetails Details(string id, string owner, DeviceSpec spec, DeviceStatus status) => new()
    {
        Id = id,
        Owner = owner,
        Name = spec.Model,
        Spec = spec,
        Status = status,
        Tier = DeviceTier.Unverified,
        MeasuredHashesPerSecond = 0,
        VerifiedAt = null,
        FailedVerifications = 0,
        Reputation = 50,
        RegisteredAt = DateTimeOffset.UnixEpoch,
        LastHeartbeat = null,
        LastSeenAt = null,
    };
}

/// <summary>A solver that answers at once (or when released), recording what it was asked.</summary>
public sealed class FakeSolver : IChallengeSolver
{
    public TaskCompletionSource? Gate { get; set; }

    public List<(Guid Id, int Parallelism)> Solved { get; } = [];

    public async Task<ISolvedChallenge> SolveAsync(ChallengeData challenge, int parallelism, CancellationToken cancellationToken)
    {
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        lock (Solved)
        {
            Solved.Add((challenge.Id, parallelism));
        }

        return new Solution();
    }

    private sealed class Solution : ISolvedChallenge
    {
        public byte[] Root { get; } = new byte[32];

        public IReadOnlyList<LeafOpeningData> Open(IReadOnlyList<int> indices) =>
            [.. indices.Select(i => new LeafOpeningData { Index = i, Leaf = new byte[32], Path = [] })];
    }
}

/// <summary>The same reading every time, or one that is out of range when told.</summary>
public sealed class FixedHeartbeats(Heartbeat beat) : IHeartbeatSource
{
    public Task<Heartbeat> ReadAsync(string gpuUuid, CancellationToken cancellationToken) => Task.FromResult(beat);
}
