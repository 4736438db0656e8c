namespace Fabric.Silo;

/// <summary>The lines an operator reads once the silo serves.</summary>
public static class Banner
{
    /// <summary>First line of the banner; tests and scripts wait for it.</summary>
    public const string ReadyMarker = "Fabric silo is up";

    public static string For(FabricSiloOptions options, Storage.FabricStorage storage, Ledger.NetworkOptions network, NetworkKeys.Resolved keys) => $"""
        {ReadyMarker}: {Environment.MachineName}-{options.SiloPort} in cluster '{options.ClusterId}'
          silo      {options.AdvertisedAddress}:{options.SiloPort}
          gateway   {options.AdvertisedAddress}:{options.GatewayPort}
          http      http://{options.AdvertisedAddress}:{options.HttpPort}  (/healthz, /status)
          storage   {storage.Description}
          network   {network.Id}
          authority {keys.Authority}{(keys.AuthorityKeyFile is null ? "" : $"  (local key {keys.AuthorityKeyFile})")}
          treasury  {keys.Treasury}{(keys.TreasuryKeyFile is null ? "" : $"  (local key {keys.TreasuryKeyFile})")}
          oracle    {(keys.Oracle.Length == 0 ? "(none: Fabric:Network:Oracle)" : keys.Oracle)}{(keys.OracleKeyFile is null ? "" : $"  (local key {keys.OracleKeyFile})")}
          market    {(keys.Market.Length == 0 ? "(none: Fabric:Network:Market)" : keys.Market)}{(keys.MarketKeyFile is null ? "" : $"  (local key {keys.MarketKeyFile})")}
        Press Ctrl+C to stop.
        """;
}
