using System.Globalization;
using System.Text.RegularExpressions;

namespace Fabric.Ledger;

/// <summary>
/// The fees a capture took, appended by the ledger to the capture's memo (" [fees: payment P, booking B]", base units
/// of the capture's token), so that fee revenue and the gross amount paid for GPU-time can be read back from the
/// hash-chained events alone: gross = what left the hold − P, treasury inflow = P + B.
/// </summary>
public static partial class CaptureFees
{
    public static string Tag(string memo, long paymentFee, long bookingFee) =>
        string.Create(CultureInfo.InvariantCulture, $"{memo} [fees: payment {paymentFee}, booking {bookingFee}]");

    public static bool TryParse(string memo, out long paymentFee, out long bookingFee)
    {
        var match = TagPattern().Match(memo);
        bookingFee = 0;
        paymentFee = 0;
        return match.Success
            && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out paymentFee)
            && long.TryParse(match.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out bookingFee);
    }

    [GeneratedRegex(@" \[fees: payment (\d{1,19}), booking (\d{1,19})\]$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();
}
