using Fabric.Money;

namespace Fabric.Ledger;

/// <summary>
/// Recomputes the ledger from its events alone and compares: the hash chain (each event hashes to what it claims and
/// names the previous event's hash), double entry (each event's postings sum to zero), no wallet or hold ever below
/// zero, every stored balance equal to the sum of its postings, and per token
/// Σ balances + Σ holds = minted − burned.
/// </summary>
public static class LedgerVerifier
{
    public static LedgerVerification Verify(LedgerSnapshot snapshot)
    {
        var problems = new List<string>();
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

            previous = e.Hash;
            expected = e.Sequence + 1;
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
        };
    }
}
