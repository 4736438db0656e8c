namespace Fabric.Wallet;

/// <summary>Outcome of <see cref="ReplayWindow.TryAccept(WalletAddress, Guid, long)"/>.</summary>
public enum ReplayCheck
{
    /// <summary>First sighting; the id is now remembered until its expiry.</summary>
    Accepted = 0,

    /// <summary>This signer already used this id, and it has not expired.</summary>
    Replayed = 1,

    /// <summary>The expiry has passed (expiry &lt;= now); such a request is refused anyway.</summary>
    Expired = 2,

    /// <summary>The expiry is more than the window's horizon ahead, so the id could not be remembered long enough.</summary>
    TooFarInFuture = 3,

    /// <summary>The window holds its maximum number of live ids; refused rather than forgetting a live one.</summary>
    Full = 4,
}

/// <summary>
/// Remembers (signer, request id) pairs until their expiry and refuses a second sighting. It stays bounded:
/// expiries more than <c>maxHorizon</c> ahead are refused, expired ids are dropped, and at most
/// <c>capacity</c> ids are held. Feed it only envelopes that already verified, or forgeries fill it.
/// In memory only: a receiver that restarts must keep refusing requests older than its start for one
/// horizon, or persist the ids.
/// </summary>
/// <remarks>Ids are scoped per signer so one caller cannot block another's request by guessing or copying its id.</remarks>
public sealed class ReplayWindow
{
    private readonly TimeSpan maxHorizon;
    private readonly int capacity;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly HashSet<(WalletAddress Signer, Guid RequestId)> seen = [];
    private readonly PriorityQueue<(WalletAddress Signer, Guid RequestId), long> byExpiry = new();

    public ReplayWindow(TimeSpan maxHorizon, int capacity, TimeProvider timeProvider)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxHorizon, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentNullException.ThrowIfNull(timeProvider);
        this.maxHorizon = maxHorizon;
        this.capacity = capacity;
        time = timeProvider;
    }

    /// <summary>Live ids currently remembered (after dropping expired ones).</summary>
    public int Count
    {
        get
        {
            lock (gate)
            {
                Evict(time.GetUtcNow().ToUnixTimeMilliseconds());
                return seen.Count;
            }
        }
    }

    public ReplayCheck TryAccept(SignedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return TryAccept(request.Signer, request.RequestId, request.ExpiresAtUnixMs);
    }

    /// <summary>Checks in this order: expired, too far in the future, replayed, full; then remembers the id.</summary>
    public ReplayCheck TryAccept(WalletAddress signer, Guid requestId, long expiresAtUnixMs)
    {
        lock (gate)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            Evict(now);

            if (expiresAtUnixMs <= now)
            {
                return ReplayCheck.Expired;
            }

            if (expiresAtUnixMs - now > (long)maxHorizon.TotalMilliseconds)
            {
                return ReplayCheck.TooFarInFuture;
            }

            var key = (signer, requestId);
            if (seen.Contains(key))
            {
                return ReplayCheck.Replayed;
            }

            if (seen.Count >= capacity)
            {
                return ReplayCheck.Full;
            }

            seen.Add(key);
            byExpiry.Enqueue(key, expiresAtUnixMs);
            return ReplayCheck.Accepted;
        }
    }

    // Once expired, a request is refused for its expiry alone, so its id no longer needs remembering.
    private void Evict(long now)
    {
        while (byExpiry.TryPeek(out var key, out var expiresAtUnixMs) && expiresAtUnixMs <= now)
        {
            byExpiry.Dequeue();
            seen.Remove(key);
        }
    }
}
