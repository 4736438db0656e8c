using Fabric.Ledger;
using Fabric.Persistence;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Fabric.Rejections;

namespace Fabric.Buyback;

/// <summary>
/// The IO/USD price as the oracle signs it. Accepts a "price.set" only from the configured oracle key, for this
/// network, unexpired; observed within <see cref="PriceFeedOptions.MaxAge"/> and not ahead of the clock by more than
/// <see cref="PriceFeedOptions.MaxClockSkew"/>; newer than the last accepted price; within the absolute bounds and
/// within <see cref="PriceFeedOptions.MaxChangeFactor"/> of the last price. A resent request (same request id) returns
/// the price it set; any other replay is older than the last price and refused.
/// </summary>
public sealed partial class PriceFeedGrain(
    [PersistentState("pricefeed", "fabric")] IPersistentState<PriceFeedState> state,
    IOptions<NetworkOptions> network,
    IOptions<PriceFeedOptions> options,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    ILogger<PriceFeedGrain> logger) : Grain, IPriceFeedGrain
{
    private readonly SignedRequestGate _gate = new(network.Value, time);

    public async Task<PricePoint> SubmitAsync(SignedEnvelope request)
    {
        if (!WalletAddress.TryParse(network.Value.Oracle, out var oracle))
        {
            throw new FabricRejectedException("This network has no price oracle configured (Fabric:Network:Oracle).");
        }

        var verified = _gate.Verify(request, oracle);
        if (verified.Operation != StakingOperations.SetPrice)
        {
            throw new FabricRejectedException($"'{verified.Operation}' is not a price feed operation (price.set).");
        }

        if (state.State.History.FirstOrDefault(p => p.RequestId == verified.RequestId) is { } seen)
        {
            return seen;
        }

        var price = SignedRequestGate.Decode(verified, p => PricePayload.Decode(p.Span));
        var limits = options.Value;
        var now = time.GetUtcNow();
        var observed = DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(price.ObservedAtUnixMs, 0, 253_402_300_799_999));
        Require(price.MicroUsdPerIo >= limits.MinMicroUsd && price.MicroUsdPerIo <= limits.MaxMicroUsd,
            $"Price {price.MicroUsdPerIo} micro-USD per IO is absurd: accepted prices are {limits.MinMicroUsd} to {limits.MaxMicroUsd}.");
        Require(observed >= now - limits.MaxAge,
            $"The price was observed at {observed:u}, more than {limits.MaxAge.TotalMinutes:0} minutes ago: stale.");
        Require(observed <= now + limits.MaxClockSkew, $"The price is observed at {observed:u}, in the future (now {now:u}).");
        if (state.State.History.LastOrDefault() is { } last)
        {
            Require(observed > last.ObservedAt,
                $"The price was observed at {observed:u}, not after the current price's observation ({last.ObservedAt:u}): stale or replayed.");
            var factor = limits.MaxChangeFactor;
            Require((Int128)price.MicroUsdPerIo <= (Int128)last.MicroUsdPerIo * factor && (Int128)price.MicroUsdPerIo * factor >= last.MicroUsdPerIo,
                $"Price {price.MicroUsdPerIo} micro-USD per IO moves more than {factor}× from the current {last.MicroUsdPerIo}: absurd.");
        }

        var point = new PricePoint { MicroUsdPerIo = price.MicroUsdPerIo, ObservedAt = observed, AcceptedAt = now, RequestId = verified.RequestId };
        var history = state.State.History.Add(point);
        if (history.Count > limits.HistoryKept)
        {
            history = history.RemoveRange(0, history.Count - limits.HistoryKept);
        }

        await state.WriteAsync(state.State with { History = history });
        LogPrice(logger, point.MicroUsdPerIo, observed);
        return point;
    }

    public Task<PricePoint?> GetCurrentAsync() => Task.FromResult(state.State.History.LastOrDefault());

    public Task<IReadOnlyList<PricePoint>> GetHistoryAsync(int take)
    {
        Require(take is >= 1 and <= PageRequest.MaxSize, $"Take must be between 1 and {PageRequest.MaxSize}.");
        IReadOnlyList<PricePoint> newest = [.. state.State.History.Reverse().Take(take)];
        return Task.FromResult(newest);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "IO price {MicroUsdPerIo} micro-USD (observed {ObservedAt:u})")]
    private static partial void LogPrice(ILogger logger, long microUsdPerIo, DateTimeOffset observedAt);
}
