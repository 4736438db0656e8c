using Fabric.Governance;
using Fabric.Money;
using Fabric.Wallet;
using static Fabric.Rejections;

namespace Fabric.Ledger;

/// <summary>
/// What a command will write: its postings (summing to zero), what happens to a hold, and the memo to store when the
/// ledger adds to the command's own (the fees a capture took, a parameter change in canonical form).
/// </summary>
public sealed record LedgerPlan(string Kind, Token Token, IReadOnlyList<Posting> Postings, HoldChange? Hold, string? Memo = null);

/// <summary>A hold opened or closed by a command.</summary>
public sealed record HoldChange(string HoldId, string Owner, long Amount, string? CloseAs);

/// <summary>
/// Turns a command into postings against the current, locked balances, refusing any command that would break a
/// rule: no balance below zero, no capture beyond its hold, no second close of a hold, no parameter outside its
/// bounds. Refusals are <see cref="FabricRejectedException"/>s whose messages say which rule and by how much. Fee
/// rates come from <paramref name="parameters"/>: the live ones, or for a capture's payment fee the ones in force at
/// the sequence it names.
/// </summary>
public sealed class LedgerPlanner(ParameterHistory parameters, string treasury)
{
    /// <summary>A planner whose rates never change (the configured fees, no governance).</summary>
    public LedgerPlanner(FeeOptions fees, string treasury)
        : this(ParameterHistory.FromFees(fees), treasury)
    {
    }

    /// <summary>Longest operation or hold id accepted.</summary>
    public const int MaxIdLength = 200;

    public async Task<LedgerPlan> PlanAsync(LedgerCommand command, LedgerWrite write)
    {
        Require(!string.IsNullOrWhiteSpace(command.OperationId) && command.OperationId.Length <= MaxIdLength,
            $"Operation id must be 1 to {MaxIdLength} characters.");
        Require(command.Memo.Length <= 1024, "Memo must be at most 1024 characters.");
        return command switch
        {
            TransferCommand c => await TransferAsync(c, write),
            MintCommand c => await MintAsync(c, write),
            BurnCommand c => await BurnAsync(c, write),
            HoldCommand c => await HoldAsync(c, write),
            CaptureCommand c => await CaptureAsync(c, write),
            ReleaseCommand c => await ReleaseAsync(c, write),
            SlashCommand c => await SlashAsync(c, write),
            ParameterCommand c => Parameter(c),
            _ => throw new FabricRejectedException($"Unknown ledger command {command.GetType().Name}."),
        };
    }

    private static async Task<LedgerPlan> TransferAsync(TransferCommand c, LedgerWrite write)
    {
        RequireAddress(c.From, "sender");
        RequireAddress(c.To, "recipient");
        RequireToken(c.Token);
        RequireAmount(c.Amount);
        Require(c.From != c.To, "A transfer needs two different wallets.");
        await RequireFundsAsync(write, c.From, c.Token, c.Amount);
        await RequireRoomAsync(write, LedgerAccounts.Wallet(c.To), c.Token, c.Amount);
        return new LedgerPlan("transfer", c.Token, [Out(c.From, c.Amount), In(c.To, c.Amount)], null);
    }

    private static async Task<LedgerPlan> MintAsync(MintCommand c, LedgerWrite write)
    {
        RequireAddress(c.To, "recipient");
        RequireToken(c.Token);
        RequireAmount(c.Amount);
        await RequireRoomAsync(write, LedgerAccounts.Wallet(c.To), c.Token, c.Amount);
        var minted = -await write.BalanceAsync(LedgerAccounts.Minted, c.Token);
        Require(minted <= long.MaxValue - c.Amount, $"Minting {c.Amount} would take {c.Token}'s supply past a 64-bit count.");
        return new LedgerPlan("mint", c.Token,
            [new Posting { Account = LedgerAccounts.Minted, Owner = "", Delta = -c.Amount }, In(c.To, c.Amount)], null);
    }

    private static async Task<LedgerPlan> BurnAsync(BurnCommand c, LedgerWrite write)
    {
        RequireAddress(c.From, "wallet");
        RequireToken(c.Token);
        RequireAmount(c.Amount);
        await RequireFundsAsync(write, c.From, c.Token, c.Amount);
        return new LedgerPlan("burn", c.Token,
            [Out(c.From, c.Amount), new Posting { Account = LedgerAccounts.Burned, Owner = "", Delta = c.Amount }], null);
    }

    private static async Task<LedgerPlan> HoldAsync(HoldCommand c, LedgerWrite write)
    {
        RequireHoldId(c.HoldId);
        RequireAddress(c.Owner, "hold owner");
        RequireToken(c.Token);
        RequireAmount(c.Amount);
        Require(await write.HoldAsync(c.HoldId) is null, $"Hold '{c.HoldId}' already exists.");
        await RequireFundsAsync(write, c.Owner, c.Token, c.Amount);
        return new LedgerPlan("hold", c.Token,
            [Out(c.Owner, c.Amount), new Posting { Account = LedgerAccounts.Hold(c.HoldId), Owner = c.Owner, Delta = c.Amount }],
            new HoldChange(c.HoldId, c.Owner, c.Amount, null));
    }

    private async Task<LedgerPlan> CaptureAsync(CaptureCommand c, LedgerWrite write)
    {
        var hold = await ActiveHoldAsync(write, c.HoldId);
        Require(c.Payouts.Count is > 0 and <= 256, "A capture pays 1 to 256 payees.");
        long paid = 0;
        foreach (var payout in c.Payouts)
        {
            RequireAddress(payout.To, "payee");
            RequireAmount(payout.Amount);
            await RequireRoomAsync(write, LedgerAccounts.Wallet(payout.To), hold.Token, payout.Amount);
            paid = Checked(() => checked(paid + payout.Amount));
        }

        Require(c.PaymentFeeAsOf is null or >= 0, "A capture's payment fee sequence must not be negative.");
        var fees = parameters.Current.Fees();
        var paymentFees = c.PaymentFeeAsOf is { } asOf ? parameters.AsOf(asOf).Fees() : fees;
        var paymentFee = paymentFees.PaymentFee(hold.Token, paid);
        var debit = Checked(() => checked(paid + paymentFee));
        var remaining = await write.BalanceAsync(LedgerAccounts.Hold(c.HoldId), hold.Token);
        Require(debit <= remaining,
            $"Capture of {debit} base units ({paid} + payment fee {paymentFee}) exceeds what hold '{c.HoldId}' has left ({remaining}).");

        var postings = new List<Posting> { new() { Account = LedgerAccounts.Hold(c.HoldId), Owner = hold.Owner, Delta = -debit } };
        var treasuryTakes = paymentFee;
        long bookingFees = 0;
        foreach (var payout in c.Payouts)
        {
            var bookingFee = fees.BookingFee(payout.Amount);
            treasuryTakes += bookingFee;
            bookingFees += bookingFee;
            postings.Add(In(payout.To, payout.Amount - bookingFee));
        }

        if (treasuryTakes > 0)
        {
            postings.Add(In(treasury, treasuryTakes));
        }

        var left = remaining - debit;
        if (c.Final && left > 0)
        {
            postings.Add(new Posting { Account = LedgerAccounts.Hold(c.HoldId), Owner = hold.Owner, Delta = -left });
            postings.Add(In(hold.Owner, left));
        }

        return new LedgerPlan("capture", hold.Token, postings,
            c.Final ? new HoldChange(c.HoldId, hold.Owner, hold.Amount, "Captured") : null,
            CaptureFees.Tag(c.Memo, paymentFee, bookingFees));
    }

    private LedgerPlan Parameter(ParameterCommand c)
    {
        Require(!c.Memo.Contains('\n', StringComparison.Ordinal), "A parameter change's note must be one line.");
        if (ParameterCatalog.Check(c.Name, c.Value, parameters.Current.ByNames()) is { } problem)
        {
            throw new FabricRejectedException(problem);
        }

        // No postings: the event records the change; its memo carries it in canonical form.
        return new LedgerPlan("parameter", Token.IO, [], null, ParameterCatalog.Memo(c.Name, c.Value, c.Memo));
    }

    private static async Task<LedgerPlan> ReleaseAsync(ReleaseCommand c, LedgerWrite write)
    {
        var hold = await ActiveHoldAsync(write, c.HoldId);
        var left = await write.BalanceAsync(LedgerAccounts.Hold(c.HoldId), hold.Token);
        IReadOnlyList<Posting> postings = left == 0
            ? []
            : [new Posting { Account = LedgerAccounts.Hold(c.HoldId), Owner = hold.Owner, Delta = -left }, In(hold.Owner, left)];
        return new LedgerPlan("release", hold.Token, postings, new HoldChange(c.HoldId, hold.Owner, hold.Amount, "Released"));
    }

    /// <summary>
    /// Each slice comes out of an active hold, never more than the hold has left; all holds share one token; the
    /// total goes to the recipient's wallet or to the burned supply. Holds stay open (a stake keeps what is left).
    /// </summary>
    private static async Task<LedgerPlan> SlashAsync(SlashCommand c, LedgerWrite write)
    {
        Require(c.From.Count is > 0 and <= 256, "A slash takes from 1 to 256 holds.");
        Require(c.From.Select(s => s.HoldId).Distinct(StringComparer.Ordinal).Count() == c.From.Count, "A slash names each hold once.");
        var postings = new List<Posting>();
        Token? token = null;
        long total = 0;
        foreach (var slice in c.From)
        {
            var hold = await ActiveHoldAsync(write, slice.HoldId);
            Require(token is null || token == hold.Token, "A slash takes from holds of one token.");
            token = hold.Token;
            RequireAmount(slice.Amount);
            var left = await write.BalanceAsync(LedgerAccounts.Hold(slice.HoldId), hold.Token);
            Require(slice.Amount <= left, $"Slash of {slice.Amount} base units exceeds what hold '{slice.HoldId}' has left ({left}).");
            total = Checked(() => checked(total + slice.Amount));
            postings.Add(new Posting { Account = LedgerAccounts.Hold(slice.HoldId), Owner = hold.Owner, Delta = -slice.Amount });
        }

        if (c.To.Length == 0)
        {
            postings.Add(new Posting { Account = LedgerAccounts.Burned, Owner = "", Delta = total });
        }
        else
        {
            RequireAddress(c.To, "recipient");
            await RequireRoomAsync(write, LedgerAccounts.Wallet(c.To), token!.Value, total);
            postings.Add(In(c.To, total));
        }

        return new LedgerPlan("slash", token!.Value, postings, null);
    }

    private static async Task<HoldRow> ActiveHoldAsync(LedgerWrite write, string holdId)
    {
        RequireHoldId(holdId);
        var hold = await write.HoldAsync(holdId) ?? throw new FabricRejectedException($"No hold has id '{holdId}'.");
        Require(hold.Status == "Active", $"Hold '{holdId}' is closed ({hold.Status}); it cannot be captured or released again.");
        return hold;
    }

    private static async Task RequireFundsAsync(LedgerWrite write, string owner, Token token, long amount)
    {
        var available = await write.BalanceAsync(LedgerAccounts.Wallet(owner), token);
        Require(available >= amount,
            $"Insufficient funds: {owner} has {token.FromBaseUnits(available)} {token} available, needs {token.FromBaseUnits(amount)}.");
    }

    // SQLite would silently turn an overflowing integer sum into a float; refuse before it can happen.
    private static async Task RequireRoomAsync(LedgerWrite write, string account, Token token, long amount)
    {
        var balance = await write.BalanceAsync(account, token);
        Require(balance <= long.MaxValue - amount, "The recipient's balance would overflow a 64-bit count of base units.");
    }

    private static Posting Out(string owner, long amount) => new() { Account = LedgerAccounts.Wallet(owner), Owner = owner, Delta = -amount };

    private static Posting In(string owner, long amount) => new() { Account = LedgerAccounts.Wallet(owner), Owner = owner, Delta = amount };

    private static void RequireAddress(string address, string role) =>
        Require(WalletAddress.TryParse(address, out _, out var error), $"The {role} address '{address}' is malformed: {error}");

    private static void RequireToken(Token token) =>
        Require(Enum.IsDefined(token), $"Unknown token {(int)token}.");

    private static void RequireAmount(long amount) =>
        Require(amount > 0, $"Amount must be positive (got {amount} base units).");

    private static void RequireHoldId(string holdId) =>
        Require(!string.IsNullOrWhiteSpace(holdId) && holdId.Length <= MaxIdLength, $"Hold id must be 1 to {MaxIdLength} characters.");

    private static long Checked(Func<long> sum)
    {
        try
        {
            return sum();
        }
        catch (OverflowException)
        {
            throw new FabricRejectedException("The amounts overflow a 64-bit count of base units.");
        }
    }
}
