using Microsoft.Extensions.Time.Testing;

namespace Fabric.Wallet.Tests;

public sealed class ReplayWindowTests
{
    private static readonly TimeSpan Horizon = TimeSpan.FromMinutes(5);

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly WalletAddress alice = Keypair.FromSecretSeed(new byte[32]).Address;
    private readonly WalletAddress bob = Keypair.FromSecretSeed(Enumerable.Repeat((byte)7, 32).ToArray()).Address;

    private long In(TimeSpan span) => (time.GetUtcNow() + span).ToUnixTimeMilliseconds();

    [Fact]
    public void Replayed_request_is_rejected()
    {
        var window = new ReplayWindow(Horizon, 100, time);
        var id = Guid.NewGuid();

        Assert.Equal(ReplayCheck.Accepted, window.TryAccept(alice, id, In(TimeSpan.FromMinutes(1))));
        Assert.Equal(ReplayCheck.Replayed, window.TryAccept(alice, id, In(TimeSpan.FromMinutes(1))));
        Assert.Equal(ReplayCheck.Replayed, window.TryAccept(alice, id, In(TimeSpan.FromMinutes(2))));
    }

    [Fact]
    public void Same_id_from_another_signer_is_not_a_replay()
    {
        var window = new ReplayWindow(Horizon, 100, time);
        var id = Guid.NewGuid();

        Assert.Equal(ReplayCheck.Accepted, window.TryAccept(alice, id, In(TimeSpan.FromMinutes(1))));
        Assert.Equal(ReplayCheck.Accepted, window.TryAccept(bob, id, In(TimeSpan.FromMinutes(1))));
    }

    [Fact]
    public void Expiry_beyond_the_horizon_is_rejected()
    {
        var window = new ReplayWindow(Horizon, 100, time);

        Assert.Equal(ReplayCheck.Accepted, window.TryAccept(alice, Guid.NewGuid(), In(Horizon)));
        Assert.Equal(ReplayCheck.TooFarInFuture, window.TryAccept(alice, Guid.NewGuid(), In(Horizon) + 1));
        Assert.Equal(1, window.Count);
    }

    [Fact]
    public void Expired_request_is_rejected()
    {
        var window = new ReplayWindow(Horizon, 100, time);
        Assert.Equal(ReplayCheck.Expired, window.TryAccept(alice, Guid.NewGuid(), In(TimeSpan.Zero)));
        Assert.Equal(0, window.Count);
    }

    [Fact]
    public void Ids_are_evicted_at_their_expiry()
    {
        var window = new ReplayWindow(Horizon, 100, time);
        var shortLived = Guid.NewGuid();
        var longLived = Guid.NewGuid();
        var shortExpiry = In(TimeSpan.FromMinutes(1));
        window.TryAccept(alice, shortLived, shortExpiry);
        window.TryAccept(alice, longLived, In(TimeSpan.FromMinutes(4)));

        time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, window.Count);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, window.Count);
        Assert.Equal(ReplayCheck.Expired, window.TryAccept(alice, shortLived, shortExpiry));
        Assert.Equal(ReplayCheck.Replayed, window.TryAccept(alice, longLived, In(TimeSpan.FromMinutes(1))));

        time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(0, window.Count);
    }

    [Fact]
    public void Full_window_refuses_rather_than_forgetting_live_ids()
    {
        var window = new ReplayWindow(Horizon, 2, time);
        Assert.Equal(ReplayCheck.Accepted, window.TryAccept(alice, Guid.NewGuid(), In(TimeSpan.FromMinutes(1))));
        Assert.Equal(ReplayCheck.Accepted, window.TryAccept(alice, Guid.NewGuid(), In(TimeSpan.FromMinutes(2))));
        Assert.Equal(ReplayCheck.Full, window.TryAccept(alice, Guid.NewGuid(), In(TimeSpan.FromMinutes(1))));

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(ReplayCheck.Accepted, window.TryAccept(alice, Guid.NewGuid(), In(TimeSpan.FromMinutes(1))));
    }

    [Fact]
    public void Signed_request_is_checked_by_signer_and_id()
    {
        var window = new ReplayWindow(Horizon, 100, time);
        var keypair = Keypair.Generate();
        var request = SignedRequest.Sign(keypair, "net", "wallet.transfer", ReadOnlyMemory<byte>.Empty, time.GetUtcNow().AddMinutes(1));

        Assert.Equal(RequestVerification.Valid, request.Verify("net", time.GetUtcNow()));
        Assert.Equal(ReplayCheck.Accepted, window.TryAccept(request));
        Assert.Equal(ReplayCheck.Replayed, window.TryAccept(request));
    }
}
