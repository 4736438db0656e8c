using Fabric.Client;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Tests.Ledger;

/// <summary>Signing and funding helpers for ledger tests, on the fixture's network and clock.</summary>
public sealed class LedgerTestKit(ClusterFixture fixture)
{
    public IWalletGrain Wallet(Keypair keypair) => fixture.Grains.GetGrain<IWalletGrain>(keypair.Address.ToString());

    public ILedgerGrain Ledger => fixture.Grains.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey);

    /// <summary>The ledger as other grains see it: SiloOnly methods allowed.</summary>
    public ILedgerRelayGrain InsideLedger => fixture.Grains.GetGrain<ILedgerRelayGrain>(0);

    public static SignedEnvelope Sign(
        Keypair signer, string operation, byte[] payload, TimeSpan? validFor = null, Guid? requestId = null, string? network = null) =>
        FabricClient.ToEnvelope(SignedRequest.Sign(signer, network ?? ClusterFixture.Network.Id, operation, payload,
            ClusterFixture.Clock.GetUtcNow() + (validFor ?? TimeSpan.FromMinutes(5)), requestId));

    public static SignedEnvelope Transfer(Keypair from, Keypair to, Token token, long amount, Guid? requestId = null) =>
        Sign(from, Operations.Transfer, new TransferPayload(to.Address, token.ToString(), amount).Encode(), requestId: requestId);

    /// <summary>A new wallet holding <paramref name="io"/> and <paramref name="iosd"/> base units, minted by the authority.</summary>
    public async Task<Keypair> FundedAsync(long io = 0, long iosd = 0)
    {
        var keypair = Keypair.Generate();
        foreach (var (token, amount) in new[] { (Token.IO, io), (Token.IOSD, iosd) }.Where(x => x.Item2 > 0))
        {
            await Ledger.SubmitAuthorityAsync(Sign(ClusterFixture.Authority, Operations.Mint,
                new MintPayload(keypair.Address, token.ToString(), amount, "test funding").Encode()));
        }

        return keypair;
    }

    public async Task<(long Available, long Held)> BalanceAsync(Keypair keypair, Token token)
    {
        var balance = (await Wallet(keypair).GetBalancesAsync()).Single(b => b.Token == token);
        return (balance.Available, balance.Held);
    }
}
