using FsCheck;
using FsCheck.Fluent;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Wallet;

namespace Fabric.Tests.Ledger;

/// <summary>
/// Random sequences of mints, transfers, burns, holds, captures and releases over a few wallets, applied to the real
/// ledger on SQLite, always leave: every balance and hold at or above zero, each wallet exactly where a simple model
/// of the rules says, and a ledger that verifies (hash chain, double entry, Σ balances + Σ holds = minted − burned).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LedgerProperties(ClusterFixture fixture)
{
    private const int Wallets = 3;
    private const int Holds = 2;

    private readonly LedgerTestKit _kit = new(fixture);

    /// <summary>One step: Kind picks the command, A/B pick wallets or holds, Amount is in base units.</summary>
    public sealed record Move(int Kind, int A, int B, int Amount, bool Final);

    // Weighted towards mints and captures so that holds fill and pay out often; a few amounts are invalid (≤ 0).
    private static readonly Gen<Move> MoveGen =
        from kind in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Constant(1)), (1, Gen.Constant(2)), (3, Gen.Constant(3)), (4, Gen.Constant(4)), (1, Gen.Constant(5)))
        from a in Gen.Choose(0, Wallets - 1)
        from b in Gen.Choose(0, Wallets - 1)
        from amount in Gen.Frequency((1, Gen.Choose(-5, 0)), (12, Gen.Choose(1, 5_000)))
        from final in ArbMap.Default.GeneratorFor<bool>()
        select new Move(kind, a, b, amount, final);

    [Fact]
    public void Random_movements_keep_conservation_and_never_go_negative() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(30),
            Prop.ForAll(Gen.ListOf(MoveGen).Select(l => l.Take(40).ToList()).ToArbitrary(),
                moves => Task.Run(() => RunAsync(moves)).GetAwaiter().GetResult()));

    private async Task<bool> RunAsync(List<Move> moves)
    {
        var wallets = Enumerable.Range(0, Wallets).Select(_ => Keypair.Generate()).ToArray();
        var holdIds = Enumerable.Range(0, Holds).Select(_ => $"prop-{Guid.NewGuid():N}").ToArray();
        var model = new Model(wallets.Select(w => w.Address.ToString()).ToArray());

        foreach (var move in moves)
        {
            var command = Command(move, wallets, holdIds);
            var expected = model.Apply(command);
            try
            {
                await _kit.InsideLedger.ApplyAsync(command);
                if (!expected)
                {
                    return false; // the ledger accepted what the rules forbid
                }
            }
            catch (FabricRejectedException)
            {
                if (expected)
                {
                    return false; // the ledger refused what the rules allow
                }
            }
        }

        for (var i = 0; i < Wallets; i++)
        {
            var balance = await _kit.BalanceAsync(wallets[i], Token.IO);
            if (balance.Available < 0 || balance.Held < 0 || balance != model.Balance(i))
            {
                return false;
            }
        }

        var verification = await _kit.Ledger.VerifyAsync();
        return verification.Ok && verification.Supply.All(s => s.Balances + s.Held == s.Minted - s.Burned);
    }

    private static LedgerCommand Command(Move move, Keypair[] wallets, string[] holds)
    {
        var id = $"prop-op-{Guid.NewGuid():N}";
        var a = wallets[move.A].Address.ToString();
        var b = wallets[move.B].Address.ToString();
        var hold = holds[move.B % Holds];
        return move.Kind switch
        {
            0 => new MintCommand { OperationId = id, To = a, Token = Token.IO, Amount = move.Amount },
            1 => new TransferCommand { OperationId = id, From = a, To = b, Token = Token.IO, Amount = move.Amount },
            2 => new BurnCommand { OperationId = id, From = a, Token = Token.IO, Amount = move.Amount },
            3 => new HoldCommand { OperationId = id, HoldId = hold, Owner = a, Token = Token.IO, Amount = move.Amount },
            4 => new CaptureCommand { OperationId = id, HoldId = hold, Final = move.Final, Payouts = [new Payout { To = b, Amount = move.Amount }] },
            _ => new ReleaseCommand { OperationId = id, HoldId = hold },
        };
    }

    /// <summary>The rules, written the simplest way: IO pays no payment fee; payees give up 0.25% (rounded down).</summary>
    private sealed class Model(string[] wallets)
    {
        private readonly long[] _available = new long[wallets.Length];
        private readonly long[] _held = new long[wallets.Length];
        private readonly Dictionary<string, (int Owner, long Left, bool Open)> _holds = [];

        public (long, long) Balance(int i) => (_available[i], _held[i]);

        /// <summary>Applies the command to the model; false when the rules refuse it.</summary>
        public bool Apply(LedgerCommand command)
        {
            switch (command)
            {
                case MintCommand c when c.Amount > 0:
                    _available[Index(c.To)] += c.Amount;
                    return true;
                case TransferCommand c when c.Amount > 0 && c.From != c.To && _available[Index(c.From)] >= c.Amount:
                    _available[Index(c.From)] -= c.Amount;
                    _available[Index(c.To)] += c.Amount;
                    return true;
                case BurnCommand c when c.Amount > 0 && _available[Index(c.From)] >= c.Amount:
                    _available[Index(c.From)] -= c.Amount;
                    return true;
                case HoldCommand c when c.Amount > 0 && !_holds.ContainsKey(c.HoldId) && _available[Index(c.Owner)] >= c.Amount:
                    _available[Index(c.Owner)] -= c.Amount;
                    _held[Index(c.Owner)] += c.Amount;
                    _holds[c.HoldId] = (Index(c.Owner), c.Amount, true);
                    return true;
                case CaptureCommand c when _holds.TryGetValue(c.HoldId, out var h) && h.Open
                                           && c.Payouts[0].Amount > 0 && c.Payouts[0].Amount <= h.Left:
                {
                    var paid = c.Payouts[0].Amount;
                    _available[Index(c.Payouts[0].To)] += paid - (paid * 25 / 10_000);
                    var left = h.Left - paid;
                    _held[h.Owner] -= paid;
                    if (c.Final)
                    {
                        _held[h.Owner] -= left;
                        _available[h.Owner] += left;
                        left = 0;
                    }

                    _holds[c.HoldId] = (h.Owner, left, !c.Final);
                    return true;
                }

                case ReleaseCommand c when _holds.TryGetValue(c.HoldId, out var h) && h.Open:
                    _held[h.Owner] -= h.Left;
                    _available[h.Owner] += h.Left;
                    _holds[c.HoldId] = (h.Owner, 0, false);
                    return true;
                default:
                    return false;
            }
        }

        private int Index(string address) => Array.IndexOf(wallets, address);
    }
}
