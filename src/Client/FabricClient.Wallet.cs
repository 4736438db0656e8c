using Fabric.Ledger;
using Fabric.Money;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Client;

/// <summary>Wallet and ledger calls: every state change is a request signed here, with the caller's keypair.</summary>
public sealed partial class FabricClient
{
    /// <summary>How long a request signed here stays valid: long enough for retries, short enough to bound replays.</summary>
    public static readonly TimeSpan RequestLifetime = TimeSpan.FromMinutes(5);

    private string? _networkId;

    /// <summary>The network id requests are signed for (asked of the cluster once).</summary>
    public async Task<string> GetNetworkIdAsync(CancellationToken cancellationToken = default) =>
        _networkId ??= (await GetStatusAsync(false, cancellationToken)).NetworkId;

    /// <summary>
    /// Signs a request for this network. The request id is fixed here; resending the returned request after a
    /// timeout is safe: the ledger applies it once.
    /// </summary>
    public async Task<SignedRequest> SignAsync(
        Keypair signer, string operation, byte[] payload, Guid? requestId = null, CancellationToken cancellationToken = default) =>
        SignedRequest.Sign(signer, await GetNetworkIdAsync(cancellationToken), operation, payload,
            DateTimeOffset.UtcNow + RequestLifetime, requestId);

    /// <summary>Sends a signed wallet request (transfer, burn, withdraw) to the signer's wallet.</summary>
    public Task<LedgerReceipt> SubmitAsync(SignedRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IWalletGrain>(request.Signer.ToString()).SubmitAsync(ToEnvelope(request)), cancellationToken);

    /// <summary>Sends a signed authority request (mint, deposit) to the ledger.</summary>
    public Task<LedgerReceipt> SubmitAuthorityAsync(SignedRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).SubmitAuthorityAsync(ToEnvelope(request)), cancellationToken);

    public async Task<LedgerReceipt> TransferAsync(
        Keypair from, WalletAddress to, Token token, long amount, Guid? requestId = null, CancellationToken cancellationToken = default) =>
        await SubmitAsync(await SignAsync(from, Operations.Transfer, new TransferPayload(to, token.ToString(), amount).Encode(), requestId, cancellationToken), cancellationToken);

    public async Task<LedgerReceipt> BurnAsync(
        Keypair from, Token token, long amount, Guid? requestId = null, CancellationToken cancellationToken = default) =>
        await SubmitAsync(await SignAsync(from, Operations.Burn, new BurnPayload(token.ToString(), amount).Encode(), requestId, cancellationToken), cancellationToken);

    public async Task<LedgerReceipt> WithdrawAsync(
        Keypair from, long amount, string reference, Guid? requestId = null, CancellationToken cancellationToken = default) =>
        await SubmitAsync(await SignAsync(from, Operations.Withdraw, new WithdrawPayload(amount, reference).Encode(), requestId, cancellationToken), cancellationToken);

    public async Task<LedgerReceipt> MintAsync(
        Keypair authority, WalletAddress to, Token token, long amount, string memo, Guid? requestId = null, CancellationToken cancellationToken = default) =>
        await SubmitAuthorityAsync(await SignAsync(authority, Operations.Mint, new MintPayload(to, token.ToString(), amount, memo).Encode(), requestId, cancellationToken), cancellationToken);

    public async Task<LedgerReceipt> DepositAsync(
        Keypair treasury, WalletAddress to, long amount, string reference, Guid? requestId = null, CancellationToken cancellationToken = default) =>
        await SubmitAuthorityAsync(await SignAsync(treasury, Operations.Deposit, new DepositPayload(to, amount, reference).Encode(), requestId, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<TokenBalance>> GetBalancesAsync(WalletAddress wallet, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IWalletGrain>(wallet.ToString()).GetBalancesAsync(), cancellationToken);

    public Task<Page<LedgerEvent>> GetHistoryAsync(WalletAddress wallet, PageRequest page, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<IWalletGrain>(wallet.ToString()).GetHistoryAsync(page), cancellationToken);

    public Task<LedgerVerification> VerifyLedgerAsync(CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).VerifyAsync(), cancellationToken);

    public Task<IReadOnlyList<LedgerEvent>> TailLedgerAsync(int take, CancellationToken cancellationToken = default) =>
        CallAsync(c => c.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).TailAsync(take), cancellationToken);

    /// <summary>The wire form of a signed request.</summary>
    public static SignedEnvelope ToEnvelope(SignedRequest request) => new()
    {
        Domain = request.Domain,
        NetworkId = request.NetworkId,
        Operation = request.Operation,
        Payload = request.Payload.ToArray(),
        Signer = request.Signer.ToString(),
        RequestId = request.RequestId,
        ExpiresAtUnixMs = request.ExpiresAtUnixMs,
        Signature = request.Signature.ToArray(),
    };
}
