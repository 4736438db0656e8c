namespace Fabric.Ledger;

/// <summary>One wallet, keyed by its base58 address: the door for requests its owner signs.</summary>
[Alias("fabric.IWalletGrain")]
public interface IWalletGrain : IGrainWithStringKey
{
    /// <summary>
    /// Verifies and applies a request signed by this wallet's key (transfer, burn, withdraw). Resending the same
    /// signed request returns the first receipt with <see cref="LedgerReceipt.Duplicate"/> set and changes nothing.
    /// </summary>
    [Alias("Submit")]
    Task<LedgerReceipt> SubmitAsync(SignedEnvelope request);

    /// <summary>Balances per token (tokens never held are listed with zeros).</summary>
    [Alias("Balances")]
    Task<IReadOnlyList<TokenBalance>> GetBalancesAsync();

    /// <summary>Events that touched this wallet or its holds, newest first.</summary>
    [Alias("History")]
    Task<Page<LedgerEvent>> GetHistoryAsync(PageRequest page);
}
