namespace Fabric.Ledger;

/// <summary>Names of ledger accounts. Every posting moves money between two of these.</summary>
public static class LedgerAccounts
{
    /// <summary>The source of all money: minting debits it, so its balance is minus everything ever minted.</summary>
    public const string Minted = "supply:minted";

    /// <summary>Where burned money goes: its balance is everything ever burned.</summary>
    public const string Burned = "supply:burned";

    public static string Wallet(string address) => $"wallet:{address}";

    public static string Hold(string holdId) => $"hold:{holdId}";
}
