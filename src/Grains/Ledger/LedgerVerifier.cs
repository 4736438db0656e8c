using Fabric.Governance;
using Fabric.Money;
using Fabric.Network;

namespace Fabric.Ledger;

/// <summary>
/// Recomputes the ledger from its events alone and compares: the hash chain (each event hashes to what it claims and
/// names the previous event's hash), double entry (each event's postings sum to zero), no wallet or hold ever below
/// zero, every stored balance equal to the sum of its postings, and per token
/// Σ balances + Σ holds = minted − burned. Then the figures the statistics are built from: every parameter event
/// has no postings and names a known parameter within its bounds; every capture whose memo records its fees sends
/// exactly those fees to the treasury; and each settlement that recorded its GPU-time paid exactly the gross its
/// captures took from their holds.
/// </summary>
public static class LedgerVerifier
{
    public static LedgerVerification Verify(LedgerSnapshot snapshot, string? treasury = null)
    {
        var problems = new List<string>();
        var fees = new Dictionary<Token, long>();
        var usage = new Dictionary<(string Model, Token Token), ModelUsage>();
        var settlements = new Dictionary<string, (long Gross, long Paid, bool Usage, bool Tagged)>(StringComparer.Ordinal);
        var replayed = new Dictionary<(string Account, Token Token), long>();
        var previous = EventHashing.GenesisHash;
        long expected = 1;

        foreach (var e in snapshot.Events)
        {
            if (e.Sequence != expected)
            {
                problems.Add($"Event #{e.Sequence} follows #{expected - 1}: the sequence has a gap or a duplicate.");
            }

            if (!e.PreviousHash.AsSpan().SequenceEqual(previous))
            {
                problems.Add($"Event #{e.Sequence} does not chain to the event before it.");
            }

            if (!EventHashing.Hash(e).AsSpan().SequenceEqual(e.Hash))
            {
                problems.Add($"Event #{e.Sequence} ({e.OperationId}) does not match its hash: it was altered.");
            }

            long sum = 0;
            foreach (var posting in e.Postings)
            {
                sum += posting.Delta;
                var key = (posting.Account, e.Token);
                var balance = replayed.GetValueOrDefault(key) + posting.Delta;
                replayed[key] = balance;
                if (balance < 0 && posting.Account != LedgerAccounts.Minted)
                {
                    problems.Add($"Event #{e.Sequence} takes {posting.Account} below zero ({balance} {e.Token} base units).");
                }
            }

            if (sum != 0)
            {
                problems.Add($"Event #{e.Sequence} postings sum to {sum}, not zero: money was created or destroyed.");
            }

            switch (e.Kind)
            {
                case "parameter":
                    CheckParameter(e, problems);
                    break;
                case "capture":
                    CheckCapture(e, treasury, problems, fees, usage, settlements);
                    break;
            }

            previous = e.Hash;
            expected = e.Sequence + 1;
        }

        foreach (var (settlement, s) in settlements.Where(s => s.Value.Usage && s.Value.Tagged && s.Value.Gross != s.Value.Paid))
        {
            problems.Add($"Settlement {settlement} records {s.Paid} base units of GPU-time paid, but its captures took {s.Gross} (gross of the payment fee).");
        }

        foreach (var key in replayed.Keys.Union(snapshot.Accounts.Keys))
        {
            var stored = snapshot.Accounts.GetValueOrDefault(key);
            var recomputed = replayed.GetValueOrDefault(key);
            if (stored != recomputed)
            {
                problems.Add($"{key.Account} holds {stored} {key.Token} base units, but its postings add up to {recomputed}.");
            }
        }

        var supply = Enum.GetValues<Token>().Select(token =>
        {
            long Sum(Func<string, bool> which) => snapshot.Accounts.Where(a => a.Key.Token == token && which(a.Key.Account)).Sum(a => a.Value);
            return new TokenSupply
            {
                Token = token,
                Minted = -Sum(a => a == LedgerAccounts.Minted),
                Burned = Sum(a => a == LedgerAccounts.Burned),
                Balances = Sum(a => a.StartsWith("wallet:", StringComparison.Ordinal)),
                Held = Sum(a => a.StartsWith("hold:", StringComparison.Ordinal)),
            };
        }).ToList();

        foreach (var s in supply.Where(s => s.Balances + s.Held != s.Minted - s.Burned))
        {
            problems.Add($"{s.Token}: balances {s.Balances} + holds {s.Held} ≠ minted {s.Minted} − burned {s.Burned}.");
        }

        return new LedgerVerification
        {
            Events = snapshot.Events.Count,
            HeadHash = Convert.ToHexStringLower(previous),
            Supply = supply,
            Problems = problems,
            FeeRevenue = [.. fees.OrderBy(f => f.Key).Select(f => new TokenAmount { Token = f.Key, Amount = f.Value })],
            Usage = [.. usage.Values.OrderBy(u => u.Model, StringComparer.Ordinal).ThenBy(u => u.Token)],
        };
    }

    private static void CheckParameter(StoredEvent e, List<string> problems)
    {
        if (e.Postings.Count != 0)
        {
            problems.Add($"Parameter event #{e.Sequence} moves money; a parameter change has no postings.");
        }

        if (!ParameterCatalog.TryParseMemo(e.Memo, out var name, out var value) || ParameterCatalog.Find(name) is not { } definition)
        {
            problems.Add($"Parameter event #{e.Sequence} does not name a known parameter ('{e.Memo}').");
        }
        else if (value < definition.Min || value > definition.Max)
        {
            problems.Add($"Parameter event #{e.Sequence} sets {name} to {value}, outside {definition.Min} to {definition.Max}.");
        }
    }

    private static void CheckCapture(
        StoredEvent e, string? treasury, List<string> problems, Dictionary<Token, long> fees,
        Dictionary<(string Model, Token Token), ModelUsage> usage, Dictionary<string, (long Gross, long Paid, bool Usage, bool Tagged)> settlements)
    {
        var key = CaptureUsage.Settlement(e.OperationId);
        var s = settlements.GetValueOrDefault(key, (0, 0, false, true));
        var recorded = CaptureUsage.Parse(e.Memo, e.Token);
        if (recorded.Count > 0)
        {
            CaptureUsage.Accumulate(usage, recorded);
            s = s with { Paid = s.Paid + recorded.Sum(u => u.Paid), Usage = true };
        }

        if (!CaptureFees.TryParse(e.Memo, out var paymentFee, out var bookingFee))
        {
            // Written before the ledger recorded fees: nothing to reconcile it with.
            settlements[key] = s with { Tagged = false };
            return;
        }

        fees[e.Token] = fees.GetValueOrDefault(e.Token) + paymentFee + bookingFee;
        var debit = e.Postings.Count > 0 && e.Postings[0].Account.StartsWith("hold:", StringComparison.Ordinal) ? -e.Postings[0].Delta : 0;
        settlements[key] = s with { Gross = s.Gross + debit - paymentFee };
        if (treasury is not null)
        {
            var toTreasury = e.Postings.Where(p => p.Account == LedgerAccounts.Wallet(treasury)).Sum(p => p.Delta);
            if (toTreasury != paymentFee + bookingFee)
            {
                problems.Add($"Capture #{e.Sequence} records fees {paymentFee} + {bookingFee}, but the treasury received {toTreasury}.");
            }
        }
    }
}
