using Fabric.Ledger;
using Fabric.Money;
using Fabric.Wallet;

namespace Fabric.Tests.Ledger;

/// <summary>Holds, captures with fees, releases: a hold is paid out or returned, never both, never beyond itself.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EscrowTests(ClusterFixture fixture)
{
    private readonly LedgerTestKit _kit = new(fixture);

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task<(Keypair Renter, string HoldId)> HoldAsync(Token token, long funded, long held)
    {
        var renter = token == Token.IO ? await _kit.FundedAsync(io: funded) : await _kit.FundedAsync(iosd: funded);
        var holdId = NewId("hold");
        await _kit.InsideLedger.ApplyAsync(new HoldCommand
        {
            OperationId = NewId("op"), HoldId = holdId, Owner = renter.Address.ToString(), Token = token, Amount = held,
        });
        return (renter, holdId);
    }

    private Task<LedgerReceipt> CaptureAsync(string holdId, bool final, params (Keypair To, long Amount)[] payouts) =>
        _kit.InsideLedger.ApplyAsync(new CaptureCommand
        {
            OperationId = NewId("op"),
            HoldId = holdId,
            Final = final,
            Payouts = [.. payouts.Select(p => new Payout { To = p.To.Address.ToString(), Amount = p.Amount })],
        });

    private async Task<long> TreasuryAsync(Token token) =>
        (await fixture.Grains.GetGrain<IWalletGrain>(ClusterFixture.Treasury.Address.ToString()).GetBalancesAsync())
        .Single(b => b.Token == token).Available;

    [Fact]
    public async Task A_hold_moves_funds_from_available_to_held()
    {
        var (renter, _) = await HoldAsync(Token.IOSD, funded: 100_000_000, held: 60_000_000);

        Assert.Equal((40_000_000, 60_000_000), await _kit.BalanceAsync(renter, Token.IOSD));
    }

    [Fact]
    public async Task Paying_in_iosd_costs_two_percent_and_suppliers_pay_the_booking_fee()
    {
        var (renter, holdId) = await HoldAsync(Token.IOSD, funded: 100_000_000, held: 100_000_000);
        var gpuA = Keypair.Generate();
        var gpuB = Keypair.Generate();
        var treasuryBefore = await TreasuryAsync(Token.IOSD);

        await CaptureAsync(holdId, final: false, (gpuA, 30_000_000), (gpuB, 20_000_000));

        // 50 IOSD paid + 2% payment fee (1 IOSD) leave the hold; each supplier gives up 0.25% on receipt.
        Assert.Equal((0, 49_000_000), await _kit.BalanceAsync(renter, Token.IOSD));
        Assert.Equal((29_925_000, 0), await _kit.BalanceAsync(gpuA, Token.IOSD));
        Assert.Equal((19_950_000, 0), await _kit.BalanceAsync(gpuB, Token.IOSD));
        Assert.Equal(treasuryBefore + 1_000_000 + 75_000 + 50_000, await TreasuryAsync(Token.IOSD));
    }

    [Fact]
    public async Task Paying_in_io_costs_no_payment_fee()
    {
        var (renter, holdId) = await HoldAsync(Token.IO, funded: 10_000, held: 10_000);
        var gpu = Keypair.Generate();

        await CaptureAsync(holdId, final: true, (gpu, 4_000));

        Assert.Equal((4_000 - 10, 0), await _kit.BalanceAsync(gpu, Token.IO));
        Assert.Equal((6_000, 0), await _kit.BalanceAsync(renter, Token.IO));
    }

    [Fact]
    public async Task A_final_capture_returns_the_rest_and_closes_the_hold()
    {
        var (renter, holdId) = await HoldAsync(Token.IOSD, funded: 10_000_000, held: 10_000_000);
        var gpu = Keypair.Generate();

        await CaptureAsync(holdId, final: true, (gpu, 1_000_000));

        Assert.Equal((10_000_000 - 1_020_000, 0), await _kit.BalanceAsync(renter, Token.IOSD));
        var again = await Assert.ThrowsAsync<FabricRejectedException>(() => CaptureAsync(holdId, final: false, (gpu, 1)));
        var release = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.InsideLedger.ApplyAsync(new ReleaseCommand { OperationId = NewId("op"), HoldId = holdId }));
        Assert.Contains("is closed (Captured)", again.Message, StringComparison.Ordinal);
        Assert.Contains("is closed (Captured)", release.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_capture_above_what_the_hold_has_left_is_refused()
    {
        var (renter, holdId) = await HoldAsync(Token.IOSD, funded: 10_000_000, held: 10_000_000);
        var gpu = Keypair.Generate();

        // 9.9 IOSD + 2% fee = 10.098 IOSD > 10 IOSD held.
        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => CaptureAsync(holdId, final: false, (gpu, 9_900_000)));

        Assert.Contains("exceeds what hold", error.Message, StringComparison.Ordinal);
        Assert.Equal((0, 10_000_000), await _kit.BalanceAsync(renter, Token.IOSD));
        Assert.Equal((0, 0), await _kit.BalanceAsync(gpu, Token.IOSD));
    }

    [Fact]
    public async Task A_capture_retried_with_its_id_is_applied_once()
    {
        var (renter, holdId) = await HoldAsync(Token.IO, funded: 1_000, held: 1_000);
        var gpu = Keypair.Generate();
        var capture = new CaptureCommand
        {
            OperationId = NewId("settle"), HoldId = holdId, Payouts = [new Payout { To = gpu.Address.ToString(), Amount = 400 }],
        };

        var first = await _kit.InsideLedger.ApplyAsync(capture);
        var second = await _kit.InsideLedger.ApplyAsync(capture);

        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Equal((0, 600), await _kit.BalanceAsync(renter, Token.IO));
        Assert.Equal((399, 0), await _kit.BalanceAsync(gpu, Token.IO));
    }

    [Fact]
    public async Task A_release_returns_everything_left_and_a_second_release_is_refused()
    {
        var (renter, holdId) = await HoldAsync(Token.IO, funded: 1_000, held: 700);

        await _kit.InsideLedger.ApplyAsync(new ReleaseCommand { OperationId = NewId("op"), HoldId = holdId });
        var error = await Assert.ThrowsAsync<FabricRejectedException>(() =>
            _kit.InsideLedger.ApplyAsync(new ReleaseCommand { OperationId = NewId("op"), HoldId = holdId }));

        Assert.Contains("is closed (Released)", error.Message, StringComparison.Ordinal);
        Assert.Equal((1_000, 0), await _kit.BalanceAsync(renter, Token.IO));
    }

    [Fact]
    public async Task A_hold_beyond_the_available_balance_is_refused()
    {
        var renter = await _kit.FundedAsync(io: 100);

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.InsideLedger.ApplyAsync(new HoldCommand
        {
            OperationId = NewId("op"), HoldId = NewId("hold"), Owner = renter.Address.ToString(), Token = Token.IO, Amount = 101,
        }));

        Assert.Contains("Insufficient funds", error.Message, StringComparison.Ordinal);
        Assert.Equal((100, 0), await _kit.BalanceAsync(renter, Token.IO));
    }

    [Fact]
    public async Task Holds_written_together_stand_or_fall_each_on_its_own()
    {
        // Commands arriving together share one transaction: the refused ones must undo only themselves, and the
        // statements the batch reuses must bind each command's own values.
        var rich = await _kit.FundedAsync(io: 1_000);
        var poor = await _kit.FundedAsync(io: 50);
        var holds = Enumerable.Range(0, 60).Select(i => new HoldCommand
        {
            OperationId = NewId("op"), HoldId = NewId("hold"), Owner = (i % 2 == 0 ? rich : poor).Address.ToString(), Token = Token.IO, Amount = 10,
        }).ToList();

        // Many relays, so that the calls reach the ledger at once rather than one after another.
        var outcomes = await Task.WhenAll(holds.Select(async (hold, i) =>
        {
            try
            {
                return await fixture.Grains.GetGrain<ILedgerRelayGrain>(1_000 + i).ApplyAsync(hold);
            }
            catch (FabricRejectedException e) when (e.Message.Contains("Insufficient funds", StringComparison.Ordinal))
            {
                return null;
            }
        }));

        Assert.Equal(30, outcomes.Where((o, i) => i % 2 == 0 && o is { Duplicate: false }).Count());
        Assert.Equal(5, outcomes.Where((o, i) => i % 2 == 1 && o is not null).Count());
        Assert.Equal((700, 300), await _kit.BalanceAsync(rich, Token.IO));
        Assert.Equal((0, 50), await _kit.BalanceAsync(poor, Token.IO));
        Assert.Equal(outcomes.Count(o => o is not null), outcomes.Where(o => o is not null).Select(o => o!.Sequence).Distinct().Count());
        Assert.True((await _kit.Ledger.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Clients_cannot_call_the_ledger_directly()
    {
        var renter = await _kit.FundedAsync(io: 100);

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => _kit.Ledger.ApplyAsync(new MintCommand
        {
            OperationId = NewId("op"), To = renter.Address.ToString(), Token = Token.IO, Amount = 1_000_000,
        }));

        Assert.Contains("may only be called from inside the cluster", error.Message, StringComparison.Ordinal);
        Assert.Equal((100, 0), await _kit.BalanceAsync(renter, Token.IO));
    }
}
