using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Fabric.Ledger;

/// <summary>
/// One wallet (key: its base58 address). Accepts only requests signed by that address's key and hands them to the
/// ledger as commands; the ledger's operation ids make a resent request a no-op. Reads go to the ledger's tables.
/// </summary>
public sealed class WalletGrain(
    LedgerStore store,
    IOptions<NetworkOptions> network,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time) : Grain, IWalletGrain
{
    private readonly SignedRequestGate _gate = new(network.Value, time);

    public async Task<LedgerReceipt> SubmitAsync(SignedEnvelope request)
    {
        var owner = Address();
        var verified = _gate.Verify(request, owner);
        var id = SignedRequestGate.OperationId(verified);
        var by = owner.ToString();
        LedgerCommand command = verified.Operation switch
        {
            Operations.Transfer => Transfer(verified, id, by),
            Operations.Burn => Burn(verified, id, by),
            Operations.Withdraw => Withdraw(verified, id, by),
            _ => throw new FabricRejectedException($"'{verified.Operation}' is not a wallet operation (transfer, burn, withdraw)."),
        };
        return await GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).ApplyAsync(command);
    }

    public async Task<IReadOnlyList<TokenBalance>> GetBalancesAsync() => await store.ReadBalancesAsync(Address().ToString());

    public async Task<Page<LedgerEvent>> GetHistoryAsync(PageRequest page)
    {
        try
        {
            page.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FabricRejectedException(e.Message);
        }

        return await store.ReadHistoryAsync(Address().ToString(), page);
    }

    private static TransferCommand Transfer(SignedRequest request, string id, string owner)
    {
        var payload = SignedRequestGate.Decode(request, p => TransferPayload.Decode(p.Span));
        return new TransferCommand
        {
            OperationId = id, RequestedBy = owner, From = owner, To = payload.To.ToString(),
            Token = SignedRequestGate.ParseToken(payload.Token), Amount = payload.Amount,
        };
    }

    private static BurnCommand Burn(SignedRequest request, string id, string owner)
    {
        var payload = SignedRequestGate.Decode(request, p => BurnPayload.Decode(p.Span));
        return new BurnCommand
        {
            OperationId = id, RequestedBy = owner, From = owner,
            Token = SignedRequestGate.ParseToken(payload.Token), Amount = payload.Amount,
        };
    }

    private static BurnCommand Withdraw(SignedRequest request, string id, string owner)
    {
        var payload = SignedRequestGate.Decode(request, p => WithdrawPayload.Decode(p.Span));
        return new BurnCommand
        {
            OperationId = id, RequestedBy = owner, From = owner, Token = Money.Token.IOSD, Amount = payload.Amount,
            Memo = $"withdrawal {payload.Reference}",
        };
    }

    private WalletAddress Address() =>
        WalletAddress.TryParse(this.GetPrimaryKeyString(), out var address, out var error)
            ? address
            : throw new FabricRejectedException($"'{this.GetPrimaryKeyString()}' is not a wallet address: {error}");
}
