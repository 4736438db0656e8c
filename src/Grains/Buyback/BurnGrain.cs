using System.Globalization;
using Fabric.Governance;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabric.Buyback;

/// <summary>
/// The hourly buy-back burn. For each ended hour, in order and exactly once: revenue = the IOSD fees (payment +
/// booking) that captures credited to the treasury in that hour; spend = revenue × share (the price rule of
/// <see cref="BurnOptions"/>); the IO it buys at the oracle price is burned. In the ledger that is two network
/// operations with fixed ids: <c>buyback/HOUR/pay</c> moves the IOSD from the treasury to the market wallet (the
/// counterparty that sells the IO) and <c>buyback/HOUR/burn</c> burns the bought IO from the treasury's IO reserve
/// (the market delivers it there). A reserve too small for the full amount buys what it can cover; no fresh price
/// means the hour waits. The plan is persisted before it is applied, so a crash repeats it harmlessly. The base share
/// of the rule is the live network parameter "burn-share-bps", read from <see cref="IParametersGrain"/> when an hour
/// with revenue is planned (the value in force at settlement); the rest of the rule is configuration.
/// </summary>
public sealed partial class BurnGrain(
    [PersistentState("burn", "fabric")] IPersistentState<BurnState> state,
    LedgerStore store,
    IOptions<NetworkOptions> network,
    IOptions<BurnOptions> options,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    ILogger<BurnGrain> logger) : Grain, IBurnGrain, IRemindable
{
    private const string ReminderName = "buyback";

    /// <summary>Hours settled in one tick at most, so catching up after a long outage runs in bounded steps.</summary>
    private const int MaxHoursPerTick = 48;

    private ILedgerGrain Ledger => GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.NextHour is null)
        {
            await state.WriteAsync(state.State with { NextHour = HourOf(time.GetUtcNow()) });
        }
    }

    public async Task StartAsync()
    {
        // Orleans' reminders run on the runtime's clock; each tick settles whatever Fabric's clock says has ended.
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status) => await TickAsync();

    public async Task<IReadOnlyList<BuybackRecord>> TickAsync()
    {
        var settled = new List<BuybackRecord>();
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return settled;
        }

        if (state.State.Pending is { } pending)
        {
            settled.Add(await ApplyAsync(pending));
        }

        while (settled.Count < MaxHoursPerTick && state.State.NextHour is { } hour
               && time.GetUtcNow() >= hour.AddHours(1) + settings.SettleDelay)
        {
            if (await PlanAsync(hour, settings) is not { } plan)
            {
                break;
            }

            await state.WriteAsync(state.State with { Pending = plan });
            settled.Add(await ApplyAsync(plan));
        }

        return settled;
    }

    public Task<IReadOnlyList<BuybackRecord>> GetHistoryAsync(int take)
    {
        if (take is < 1 or > PageRequest.MaxSize)
        {
            throw new FabricRejectedException($"Take must be between 1 and {PageRequest.MaxSize}.");
        }

        IReadOnlyList<BuybackRecord> newest = [.. state.State.History.Reverse().Take(take)];
        return Task.FromResult(newest);
    }

    /// <summary>The hour's buy-back, or null when it must wait (revenue but no fresh price).</summary>
    private async Task<BuybackRecord?> PlanAsync(DateTimeOffset hour, BurnOptions settings)
    {
        var treasury = network.Value.Treasury ?? "";
        var revenue = treasury.Length == 0 ? 0 : await store.ReadFeeRevenueAsync(treasury, Token.IOSD, hour, hour.AddHours(1));
        var record = new BuybackRecord
        {
            Hour = hour, RevenueIosd = revenue, ShareBps = 0, MicroUsdPerIo = 0, SpentIosd = 0, BurnedIo = 0, Note = "",
        };
        if (revenue == 0)
        {
            return record with { Note = "no fee revenue" };
        }

        if (string.IsNullOrWhiteSpace(network.Value.Market))
        {
            return record with { Note = "no market wallet configured (Fabric:Network:Market): nothing bought" };
        }

        var price = await GrainFactory.GetGrain<IPriceFeedGrain>(IPriceFeedGrain.NetworkKey).GetCurrentAsync();
        var now = time.GetUtcNow();
        if (price is null || now - price.ObservedAt > settings.MaxPriceAge)
        {
            LogWaitingForPrice(logger, hour, price?.ObservedAt);
            return null;
        }

        var parameters = await GrainFactory.GetGrain<IParametersGrain>(IParametersGrain.NetworkKey).GetAsync();
        var share = BuybackMath.ShareBps(settings, parameters.BurnShareBps, price.MicroUsdPerIo);
        var spend = BuybackMath.Spend(revenue, share);
        var io = BuybackMath.IoFor(spend, price.MicroUsdPerIo);
        var note = "";
        var reserve = (await store.ReadBalancesAsync(treasury)).Single(b => b.Token == Token.IO).Available;
        if (io > reserve)
        {
            // Buy only what the treasury's IO reserve can burn, and pay only for that (rounded down).
            note = $"treasury IO reserve {reserve} short of {io}: bought what it covers";
            io = reserve;
            spend = BuybackMath.IosdFor(io, price.MicroUsdPerIo);
        }

        if (io == 0)
        {
            // Nothing to burn: nothing is paid either.
            note = note.Length > 0 ? note : "the spend buys less than one IO base unit";
            spend = 0;
        }

        return record with { ShareBps = share, MicroUsdPerIo = price.MicroUsdPerIo, SpentIosd = spend, BurnedIo = io, Note = note };
    }

    private async Task<BuybackRecord> ApplyAsync(BuybackRecord plan)
    {
        var treasury = network.Value.Treasury ?? "";
        var id = $"buyback/{plan.Hour.ToUniversalTime():yyyy-MM-ddTHH}";
        var memo = string.Create(CultureInfo.InvariantCulture,
            $"buy-back of hour {plan.Hour:u}: revenue {plan.RevenueIosd} IOSD units × {plan.ShareBps} bps at {plan.MicroUsdPerIo} micro-USD/IO");
        if (plan.SpentIosd > 0)
        {
            await Ledger.ApplyAsync(new TransferCommand
            {
                OperationId = $"{id}/pay", From = treasury, To = network.Value.Market!, Token = Token.IOSD, Amount = plan.SpentIosd, Memo = memo,
            });
        }

        if (plan.BurnedIo > 0)
        {
            await Ledger.ApplyAsync(new BurnCommand
            {
                OperationId = $"{id}/burn", From = treasury, Token = Token.IO, Amount = plan.BurnedIo, Memo = memo,
            });
        }

        var history = state.State.History.Add(plan);
        if (history.Count > options.Value.HistoryKept)
        {
            history = history.RemoveRange(0, history.Count - options.Value.HistoryKept);
        }

        await state.WriteAsync(state.State with { Pending = null, NextHour = plan.Hour.AddHours(1), History = history });
        if (plan.BurnedIo > 0)
        {
            LogBurned(logger, plan.Hour, plan.RevenueIosd, plan.ShareBps, plan.SpentIosd, plan.BurnedIo, plan.MicroUsdPerIo);
        }

        return plan;
    }

    private static DateTimeOffset HourOf(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Buy-back of hour {Hour:u}: revenue {Revenue} IOSD units, share {ShareBps} bps, paid {Spent} IOSD units, burned {Burned} IO units at {Price} micro-USD/IO")]
    private static partial void LogBurned(ILogger logger, DateTimeOffset hour, long revenue, int shareBps, long spent, long burned, long price);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Buy-back of hour {Hour:u} waits for a fresh oracle price (latest observed {ObservedAt:u})")]
    private static partial void LogWaitingForPrice(ILogger logger, DateTimeOffset hour, DateTimeOffset? observedAt);
}
