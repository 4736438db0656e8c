using Fabric.Buyback;
using Fabric.Ledger;
using Fabric.Tests.Ledger;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Tests.Staking;

[Collection(ClusterCollection.Name)]
public sealed class PriceFeedTests(ClusterFixture fixture)
{
    private IPriceFeedGrain Feed => fixture.Grains.GetGrain<IPriceFeedGrain>(IPriceFeedGrain.NetworkKey);

    public static SignedEnvelope Price(Keypair signer, long microUsd, DateTimeOffset? observedAt = null, Guid? requestId = null) =>
        LedgerTestKit.Sign(signer, StakingOperations.SetPrice,
            new PricePayload(microUsd, (observedAt ?? ClusterFixture.Clock.GetUtcNow()).ToUnixTimeMilliseconds()).Encode(), requestId: requestId);

    /// <summary>A price the oracle signs now, one second after the last so it is newer.</summary>
    public static async Task<PricePoint> SetAsync(IPriceFeedGrain feed, long microUsd)
    {
        ClusterFixture.Clock.Advance(TimeSpan.FromSeconds(1));
        return await feed.SubmitAsync(Price(ClusterFixture.Oracle, microUsd));
    }

    [Fact]
    public async Task A_price_not_signed_by_the_oracle_key_is_refused()
    {
        ClusterFixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var before = await Feed.GetCurrentAsync();

        var refused = await Assert.ThrowsAsync<FabricRejectedException>(() => Feed.SubmitAsync(Price(Keypair.Generate(), 2_000_000)));
        var authority = await Assert.ThrowsAsync<FabricRejectedException>(() => Feed.SubmitAsync(Price(ClusterFixture.Authority, 2_000_000)));

        Assert.Contains($"only {ClusterFixture.Oracle.Address} may make it", refused.Message, StringComparison.Ordinal);
        Assert.Contains("may make it", authority.Message, StringComparison.Ordinal);
        Assert.Equal(before, await Feed.GetCurrentAsync());
    }

    [Fact]
    public async Task The_oracles_prices_are_kept_newest_first_and_a_resend_returns_the_same_price()
    {
        var first = await SetAsync(Feed, 2_000_000);
        ClusterFixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var request = Price(ClusterFixture.Oracle, 2_100_000);
        var second = await Feed.SubmitAsync(request);
        var resent = await Feed.SubmitAsync(request);

        Assert.Equal(second, resent);
        Assert.Equal(second, await Feed.GetCurrentAsync());
        Assert.Equal([second, first], (await Feed.GetHistoryAsync(2)).ToList());
        Assert.Equal(2_100_000, second.MicroUsdPerIo);
    }

    [Fact]
    public async Task Stale_out_of_order_absurd_and_future_prices_are_refused()
    {
        var current = await SetAsync(Feed, 2_000_000);
        ClusterFixture.Clock.Advance(TimeSpan.FromSeconds(1));
        var now = ClusterFixture.Clock.GetUtcNow();

        var stale = await Assert.ThrowsAsync<FabricRejectedException>(() => Feed.SubmitAsync(Price(ClusterFixture.Oracle, 2_000_000, now - TimeSpan.FromMinutes(11))));
        var older = await Assert.ThrowsAsync<FabricRejectedException>(() => Feed.SubmitAsync(Price(ClusterFixture.Oracle, 2_000_000, current.ObservedAt)));
        var jump = await Assert.ThrowsAsync<FabricRejectedException>(() => Feed.SubmitAsync(Price(ClusterFixture.Oracle, 2_000_000 * 11)));
        var zero = await Assert.ThrowsAsync<FabricRejectedException>(() => Feed.SubmitAsync(Price(ClusterFixture.Oracle, 0)));
        var future = await Assert.ThrowsAsync<FabricRejectedException>(() => Feed.SubmitAsync(Price(ClusterFixture.Oracle, 2_000_000, now + TimeSpan.FromMinutes(5))));

        Assert.Contains("stale", stale.Message, StringComparison.Ordinal);
        Assert.Contains("stale or replayed", older.Message, StringComparison.Ordinal);
        Assert.Contains("moves more than 10×", jump.Message, StringComparison.Ordinal);
        Assert.Contains("absurd", zero.Message, StringComparison.Ordinal);
        Assert.Contains("in the future", future.Message, StringComparison.Ordinal);
        Assert.Equal(current, await Feed.GetCurrentAsync());
    }
}
