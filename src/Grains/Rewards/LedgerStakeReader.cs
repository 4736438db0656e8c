using Fabric.Ledger;

namespace Fabric.Rewards;

/// <summary>
/// Staked devices from the ledger's active stake holds ("stake/DEVICE/N"), read in one query per hour rather than one
/// call per device: at 100,000 devices, asking each stake grain would wake 100,000 grains. A device with any active
/// stake gets the bonus the reward grain passes (the live "reward-stake-bonus-bps"); a stake cooling down is released
/// only at withdrawal, so it still counts until then. Stakes are read when the hour is distributed, not as they were
/// during it.
/// </summary>
public sealed class LedgerStakeReader(LedgerStore store) : IStakeReader
{
    public async Task<IReadOnlyDictionary<string, int>> BonusBpsAsync(
        DateTimeOffset hourStart, IReadOnlyCollection<string> deviceIds, int stakeBonusBps)
    {
        var wanted = deviceIds as IReadOnlySet<string> ?? new HashSet<string>(deviceIds, StringComparer.Ordinal);
        var bonus = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var holdId in await store.ReadActiveHoldIdsAsync("stake/"))
        {
            var parts = holdId.Split('/');
            if (parts.Length == 3 && wanted.Contains(parts[1]))
            {
                bonus[parts[1]] = stakeBonusBps;
            }
        }

        return bonus;
    }
}
