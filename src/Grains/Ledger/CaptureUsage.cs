using System.Globalization;
using System.Text.RegularExpressions;
using Fabric.Money;
using Fabric.Network;

namespace Fabric.Ledger;

/// <summary>
/// The GPU-time a settlement paid for, written by the cluster into the memo of its first capture:
/// " {usage: MODEL SECONDS IOSD PAID; ...}" (model percent-escaped; IOSD = list-price cost; PAID = payouts in the
/// capture's token before the booking fee). The verifier checks that Σ PAID equals the gross the settlement's captures
/// took from their holds (what left the hold − payment fee), so the statistics built from it reconcile with the ledger.
/// </summary>
public static partial class CaptureUsage
{
    /// <summary>Longest usage text written; a settlement of more models than fit records none (and is not counted).</summary>
    public const int MaxLength = 600;

    public static string Append(string memo, IEnumerable<(string Model, long GpuSeconds, long ChargedIosd, long Paid)> usage)
    {
        var entries = string.Join("; ", usage.Select(u => string.Create(CultureInfo.InvariantCulture,
            $"{Uri.EscapeDataString(u.Model)} {u.GpuSeconds} {u.ChargedIosd} {u.Paid}")));
        return entries.Length == 0 || entries.Length > MaxLength ? memo : $"{memo} {{usage: {entries}}}";
    }

    /// <summary>The usage entries of a capture memo; empty when it has none.</summary>
    public static IReadOnlyList<ModelUsage> Parse(string memo, Token token)
    {
        var match = UsagePattern().Match(memo);
        if (!match.Success)
        {
            return [];
        }

        var found = new List<ModelUsage>();
        foreach (var entry in match.Groups[1].Value.Split("; "))
        {
            var parts = entry.Split(' ');
            if (parts.Length == 4
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var iosd)
                && long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var paid))
            {
                found.Add(new ModelUsage { Model = Uri.UnescapeDataString(parts[0]), GpuSeconds = seconds, ChargedIosd = iosd, Paid = paid, Token = token });
            }
        }

        return found;
    }

    /// <summary>Adds <paramref name="more"/> into running totals per (model, token).</summary>
    public static void Accumulate(Dictionary<(string Model, Token Token), ModelUsage> totals, IEnumerable<ModelUsage> more)
    {
        foreach (var u in more)
        {
            totals[(u.Model, u.Token)] = totals.TryGetValue((u.Model, u.Token), out var t)
                ? t with { GpuSeconds = t.GpuSeconds + u.GpuSeconds, ChargedIosd = t.ChargedIosd + u.ChargedIosd, Paid = t.Paid + u.Paid }
                : u;
        }
    }

    /// <summary>The settlement a capture belongs to: its operation id without the last "/N" (one per hold).</summary>
    public static string Settlement(string operationId)
    {
        var slash = operationId.LastIndexOf('/');
        return slash <= 0 ? operationId : operationId[..slash];
    }

    [GeneratedRegex(@" \{usage: ([^{}]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex UsagePattern();
}
