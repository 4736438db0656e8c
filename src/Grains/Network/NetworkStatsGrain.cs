using Fabric.Devices;
using Fabric.Economy;
using Fabric.Ledger;
using Fabric.Money;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fabric.Network;

/// <summary>
/// Supply and market statistics, every figure read from the ledger: supply from the stored balances (which
/// `ledger verify` recomputes from the events), fee revenue from the treasury's postings in captures (which verify
/// checks against the fees each capture recorded), GPU-time per model from the usage settlements record in their
/// captures (which verify checks against what the captures took from the holds). Issuance comes from the emission
/// schedule, device counts from the pool. Market totals are folded incrementally: the grain keeps a cursor over the
/// capture events and reads only newer ones on each call (all of them once after activation).
/// </summary>
public sealed class NetworkStatsGrain(
    LedgerStore store,
    IOptions<NetworkOptions> network,
    IOptions<EmissionOptions> emission,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time) : Grain, INetworkStatsGrain
{
    /// <summary>Hold ids that count as stake (staking opens its holds under this prefix).</summary>
    public static readonly IReadOnlyList<string> StakeHoldPrefixes = ["stake/"];

    private const int CapturesPerRead = 1000;
    private readonly EmissionSchedule _schedule = EmissionSchedule.Create(emission.Value);
    private readonly Dictionary<(string Model, Token Token), ModelUsage> _usage = [];
    private long _cursor;

    public async Task<NetworkStats> GetAsync()
    {
        var head = await GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).GetHeadAsync();
        while (_cursor < head)
        {
            var captures = await store.ReadCapturesAfterAsync(_cursor, CapturesPerRead);
            foreach (var capture in captures)
            {
                CaptureUsage.Accumulate(_usage, CaptureUsage.Parse(capture.Memo, capture.Token));
            }

            _cursor = captures.Count < CapturesPerRead ? head : captures[^1].Sequence;
        }

        var supply = await store.ReadSupplyFiguresAsync(StakeHoldPrefixes, network.Value.Treasury);
        var pool = GrainFactory.GetGrain<IPoolGrain>(0);
        var counts = await pool.CountsAsync();
        var verified = await pool.QueryAsync(new PoolQuery { VerifiedOnly = true, Take = 1 });
        var now = time.GetUtcNow();
        var hour = _schedule.HourIndexOf(now);
        return new NetworkStats
        {
            At = now,
            LedgerSequence = _cursor,
            Tokens = [.. supply.Select(s => new TokenStats
            {
                Token = s.Token,
                Minted = s.Minted,
                Burned = s.Burned,
                Circulating = s.Circulating,
                Held = s.Held,
                Staked = s.HeldByPrefix.Values.Sum(),
                FeeRevenue = s.FeeRevenue,
            })],
            IssuanceThisHour = _schedule.Issuance(hour),
            IssuanceNextHour = _schedule.Issuance(hour + 1),
            IssuedToDate = _schedule.Cumulative(Math.Max(0, hour)),
            EmissionPreset = _schedule.Preset,
            DevicesVerified = verified.Total,
            DevicesOnline = counts.ByStatus.GetValueOrDefault(DeviceStatus.Online) + counts.ByStatus.GetValueOrDefault(DeviceStatus.Busy),
            DevicesTotal = counts.Total,
            Usage = [.. _usage.Values.OrderBy(u => u.Model, StringComparer.Ordinal).ThenBy(u => u.Token)],
        };
    }
}
