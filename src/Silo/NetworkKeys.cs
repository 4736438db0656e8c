using Fabric.Ledger;
using Fabric.Storage;
using Fabric.Wallet;

namespace Fabric.Silo;

/// <summary>
/// Settles who the network authority, treasury, price oracle and market wallet are. Configured addresses win. On SQLite (one machine, one data
/// folder) a silo without them uses local keypair files under DATA/keys/, creating them on first start, so the
/// embedded default works with no set-up; on PostgreSQL silos on many machines must agree, so both are required.
/// </summary>
public static class NetworkKeys
{
    /// <summary>Where a local key lives, or null when the address came from configuration.</summary>
    public sealed record Resolved(string Authority, string Treasury, string? AuthorityKeyFile, string? TreasuryKeyFile)
    {
        /// <summary>The price oracle (signs "price.set").</summary>
        public string Oracle { get; init; } = "";

        public string? OracleKeyFile { get; init; }

        /// <summary>The buy-back's market wallet (receives the IOSD that buys the IO burned).</summary>
        public string Market { get; init; } = "";

        public string? MarketKeyFile { get; init; }
    }

    public static Resolved Resolve(NetworkOptions network, FabricStorage storage, string dataDir)
    {
        if (storage.Kind == StorageKind.Postgres
            && (string.IsNullOrWhiteSpace(network.Authority) || string.IsNullOrWhiteSpace(network.Treasury)))
        {
            throw new FabricStartupException(
                "On PostgreSQL every silo must name the same network authority and treasury: set Fabric:Network:Authority " +
                "and Fabric:Network:Treasury (FABRIC__NETWORK__AUTHORITY, FABRIC__NETWORK__TREASURY) to wallet addresses.");
        }

        var (authority, authorityFile) = AddressOrLocalKey(network.Authority, "authority", dataDir);
        var (treasury, treasuryFile) = AddressOrLocalKey(network.Treasury, "treasury", dataDir);

        // The oracle and the market wallet are optional on PostgreSQL (no price feed, no buy-back until configured);
        // on SQLite they are local keys like the others, so the dev network has a working price feed and burn.
        var (oracle, oracleFile) = storage.Kind == StorageKind.Postgres && string.IsNullOrWhiteSpace(network.Oracle)
            ? ("", null)
            : AddressOrLocalKey(network.Oracle, "oracle", dataDir);
        var (market, marketFile) = storage.Kind == StorageKind.Postgres && string.IsNullOrWhiteSpace(network.Market)
            ? ("", null)
            : AddressOrLocalKey(network.Market, "market", dataDir);
        return new Resolved(authority, treasury, authorityFile, treasuryFile)
        {
            Oracle = oracle, OracleKeyFile = oracleFile, Market = market, MarketKeyFile = marketFile,
        };
    }

    private static (string Address, string? File) AddressOrLocalKey(string? configured, string role, string dataDir)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return WalletAddress.TryParse(configured, out var address, out var error)
                ? (address.ToString(), null)
                : throw new FabricStartupException($"Fabric:Network:{Capitalised(role)} '{configured}' is not a wallet address: {error}");
        }

        var file = Path.Combine(dataDir, "keys", $"{role}.json");
        try
        {
            if (!File.Exists(file))
            {
                KeypairFile.Write(file, Keypair.Generate());
            }

            return (KeypairFile.Read(file).Address.ToString(), file);
        }
        catch (Exception e) when (e is WalletException or IOException or UnauthorizedAccessException)
        {
            throw new FabricStartupException($"Cannot use the local {role} key {file}: {e.Message}", e);
        }
    }

    private static string Capitalised(string role) => char.ToUpperInvariant(role[0]) + role[1..];
}
