namespace Fabric.Ledger;

/// <summary>
/// The network's ledger (key <see cref="NetworkKey"/>): the single writer of balances, holds and the hash-chained
/// event log. Every movement is one database transaction, so it happens entirely or not at all, once per id.
/// </summary>
[Alias("fabric.ILedgerGrain")]
public interface ILedgerGrain : IGrainWithStringKey
{
    const string NetworkKey = "network";

    /// <summary>Applies a command from inside the cluster (wallets, clusters, rewards).</summary>
    [Alias("Apply"), SiloOnly]
    Task<LedgerReceipt> ApplyAsync(LedgerCommand command);

    /// <summary>
    /// Sequence number of the newest event. Activating the ledger also mints genesis supply to the configured
    /// wallets if that has not happened yet (exactly once: genesis operations have fixed ids).
    /// </summary>
    [Alias("Head")]
    Task<long> GetHeadAsync();

    /// <summary>A mint signed by the network authority, or an IOSD deposit signed by the treasury.</summary>
    [Alias("SubmitAuthority")]
    Task<LedgerReceipt> SubmitAuthorityAsync(SignedEnvelope request);

    /// <summary>Recomputes the hash chain, every balance and the conservation law from the events.</summary>
    [Alias("Verify")]
    Task<LedgerVerification> VerifyAsync();

    /// <summary>The most recent events, newest first.</summary>
    [Alias("Tail")]
    Task<IReadOnlyList<LedgerEvent>> TailAsync(int take);
}
