using Fabric.Ledger;
using Fabric.Money;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Tests.Ledger;

/// <summary>Every state change from a wallet is signed by its key, for this network, fresh, and applied at most once.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SignedRequestTests(ClusterFixture fixture)
{
    private readonly LedgerTestKit _kit = new(fixture);

    [Fact]
    public async Task A_signed_transfer_moves_exactly_the_amount_between_the_two_wallets()
    {
        var alice = await _kit.FundedAsync(io: 1_000_00000000);
        var bob = Keypair.Generate();

        var receipt = await _kit.Wallet(alice).SubmitAsync(LedgerTestKit.Transfer(alice, bob, Token.IO, 12_50000000));

        Assert.False(receipt.Duplicate);
        Assert.Equal((987_50000000, 0), await _kit.BalanceAsync(alice, Token.IO));
        Assert.Equal((12_50000000, 0), await _kit.BalanceAsync(bob, Token.IO));
        var history = await _kit.Wallet(bob).GetHistoryAsync(new PageRequest());
        var transfer = Assert.Single(history.Items);
        Assert.Equal("transfer", transfer.Kind);
        Assert.Equal(receipt.Sequence, transfer.Sequence);
        Assert.Equal(receipt.Hash, transfer.Hash);
        Assert.Equal(alice.Address.ToString(), transfer.RequestedBy);
    }

    [Fact]
    public async Task A_replayed_request_is_answered_from_the_first_and_changes_nothing()
    {
        var alice = await _kit.FundedAsync(io: 100);
        var bob = Keypair.Generate();
        var request = LedgerTestKit.Transfer(alice, bob, Token.IO, 40);

        var first = await _kit.Wallet(alice).SubmitAsync(request);
        var replay = await _kit.Wallet(alice).SubmitAsync(request);

        Assert.True(replay.Duplicate);
        Assert.Equal(first.Sequence, replay.Sequence);
        Assert.Equal(first.Hash, replay.Hash);
        Assert.Equal((60, 0), await _kit.BalanceAsync(alice, Token.IO));
        Assert.Equal((40, 0), await _kit.BalanceAsync(bob, Token.IO));
    }

    [Fact]
    public async Task A_request_id_reused_for_a_different_request_is_refused()
    {
        var alice = await _kit.FundedAsync(io: 100);
        var bob = Keypair.Generate();
        var id = Guid.NewGuid();
        await _kit.Wallet(alice).SubmitAsync(LedgerTestKit.Transfer(alice, bob, Token.IO, 10, id));

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.Wallet(alice).SubmitAsync(LedgerTestKit.Transfer(alice, bob, Token.IO, 90, id)));

        Assert.Contains("already used for a different request", error.Message, StringComparison.Ordinal);
        Assert.Equal((90, 0), await _kit.BalanceAsync(alice, Token.IO));
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "forged", "does not verify" },
        { "other-key", "only" },
        { "claims-other-signer", "does not verify" },
        { "expired", "expired" },
        { "too-long-lived", "longer than the 10 minutes allowed" },
        { "wrong-network", "is for network 'fabric-elsewhere'" },
        { "zero", "Amount must be positive" },
        { "negative", "Amount must be positive" },
        { "unknown-token", "Unknown token 'BTC'" },
        { "insufficient", "Insufficient funds" },
        { "truncated-payload", "payload is malformed" },
        { "self", "two different wallets" },
        { "unknown-operation", "is not a wallet operation" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Bad_requests_are_refused_with_a_clear_reason_and_change_nothing(string kind, string reason)
    {
        var alice = await _kit.FundedAsync(io: 1_000);
        var bob = Keypair.Generate();
        var mallory = Keypair.Generate();
        var good = LedgerTestKit.Transfer(alice, bob, Token.IO, 10);
        var request = kind switch
        {
            "forged" => good with { Signature = Flip(good.Signature) },
            "other-key" => LedgerTestKit.Transfer(mallory, bob, Token.IO, 10),
            "claims-other-signer" => LedgerTestKit.Transfer(mallory, bob, Token.IO, 10) with { Signer = alice.Address.ToString() },
            "expired" => LedgerTestKit.Sign(alice, Operations.Transfer, Payload(bob, "IO", 10), validFor: TimeSpan.FromSeconds(-1)),
            "too-long-lived" => LedgerTestKit.Sign(alice, Operations.Transfer, Payload(bob, "IO", 10), validFor: TimeSpan.FromDays(1)),
            "wrong-network" => LedgerTestKit.Sign(alice, Operations.Transfer, Payload(bob, "IO", 10), network: "fabric-elsewhere"),
            "zero" => LedgerTestKit.Transfer(alice, bob, Token.IO, 0),
            "negative" => LedgerTestKit.Transfer(alice, bob, Token.IO, -5),
            "unknown-token" => LedgerTestKit.Sign(alice, Operations.Transfer, Payload(bob, "BTC", 10)),
            "insufficient" => LedgerTestKit.Transfer(alice, bob, Token.IO, 1_001),
            "truncated-payload" => LedgerTestKit.Sign(alice, Operations.Transfer, Payload(bob, "IO", 10)[..^3]),
            "self" => LedgerTestKit.Transfer(alice, alice, Token.IO, 10),
            "unknown-operation" => LedgerTestKit.Sign(alice, "wallet.steal", Payload(bob, "IO", 10)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Wallet(alice).SubmitAsync(request));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal((1_000, 0), await _kit.BalanceAsync(alice, Token.IO));
        Assert.Equal((0, 0), await _kit.BalanceAsync(bob, Token.IO));
    }

    [Fact]
    public async Task A_wallet_grain_keyed_by_a_malformed_address_refuses_everything()
    {
        var error = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            fixture.Grains.GetGrain<IWalletGrain>("0OIl-not-base58").GetBalancesAsync());

        Assert.Contains("is not a wallet address", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_authority_may_mint_and_only_the_treasury_may_deposit()
    {
        var someone = Keypair.Generate();
        var mint = new MintPayload(someone.Address, "IO", 1_000, "free money").Encode();
        var deposit = new DepositPayload(someone.Address, 5_000_000, "wire-42").Encode();

        var notAuthority = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.Ledger.SubmitAuthorityAsync(LedgerTestKit.Sign(someone, Operations.Mint, mint)));
        var authorityDeposit = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.Ledger.SubmitAuthorityAsync(LedgerTestKit.Sign(ClusterFixture.Authority, Operations.Deposit, deposit)));
        await _kit.Ledger.SubmitAuthorityAsync(LedgerTestKit.Sign(ClusterFixture.Treasury, Operations.Deposit, deposit));

        Assert.Contains($"only {ClusterFixture.Authority.Address} may make it", notAuthority.Message, StringComparison.Ordinal);
        Assert.Contains($"only {ClusterFixture.Treasury.Address} may make it", authorityDeposit.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0), await _kit.BalanceAsync(someone, Token.IO));
        Assert.Equal((5_000_000, 0), await _kit.BalanceAsync(someone, Token.IOSD));
    }

    [Fact]
    public async Task A_withdrawal_burns_iosd_and_the_supply_records_it()
    {
        var alice = await _kit.FundedAsync(iosd: 10_000_000);
        var before = (await _kit.Ledger.VerifyAsync()).Supply.Single(s => s.Token == Token.IOSD);

        await _kit.Wallet(alice).SubmitAsync(LedgerTestKit.Sign(alice, Operations.Withdraw, new WithdrawPayload(4_000_000, "bank ****1234").Encode()));

        var after = await _kit.Ledger.VerifyAsync();
        Assert.True(after.Ok, string.Join("; ", after.Problems));
        Assert.Equal(before.Burned + 4_000_000, after.Supply.Single(s => s.Token == Token.IOSD).Burned);
        Assert.Equal((6_000_000, 0), await _kit.BalanceAsync(alice, Token.IOSD));
    }

    [Fact]
    public async Task Minting_past_a_64_bit_supply_is_refused()
    {
        var whale = Keypair.Generate();

        // Genesis and other tests have minted IO already, so the supply has less than long.MaxValue of room.
        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Ledger.SubmitAuthorityAsync(
            LedgerTestKit.Sign(ClusterFixture.Authority, Operations.Mint, new MintPayload(whale.Address, "IO", long.MaxValue, "").Encode())));

        Assert.Contains("past a 64-bit count", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 0), await _kit.BalanceAsync(whale, Token.IO));
    }

    private static byte[] Payload(Keypair to, string token, long amount) => new TransferPayload(to.Address, token, amount).Encode();

    private static byte[] Flip(byte[] signature)
    {
        var copy = (byte[])signature.Clone();
        copy[7] ^= 0x01;
        return copy;
    }
}
