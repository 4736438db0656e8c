using System.Security.Cryptography;
using Fabric.Wallet.Requests;

namespace Fabric.Ledger;

/// <summary>SHA-256 of a command's full content: equal for a retry, different for an id reused with other content.</summary>
public static class CommandDigest
{
    public static byte[] Of(LedgerCommand command)
    {
        var writer = new PayloadWriter().Text(command.GetType().Name).Text(command.OperationId).Text(command.Memo).Text(command.RequestedBy);
        switch (command)
        {
            case TransferCommand c: writer.Text(c.From).Text(c.To).Number((long)c.Token).Number(c.Amount); break;
            case MintCommand c: writer.Text(c.To).Number((long)c.Token).Number(c.Amount); break;
            case BurnCommand c: writer.Text(c.From).Number((long)c.Token).Number(c.Amount); break;
            case HoldCommand c: writer.Text(c.HoldId).Text(c.Owner).Number((long)c.Token).Number(c.Amount); break;
            case CaptureCommand c:
                writer.Text(c.HoldId).Number(c.Final ? 1 : 0).Number(c.Payouts.Count);
                foreach (var payout in c.Payouts)
                {
                    writer.Text(payout.To).Number(payout.Amount);
                }

                // Only when set, so captures written before the field existed keep their digest.
                if (c.PaymentFeeAsOf is { } asOf)
                {
                    writer.Text("payment-fee-as-of").Number(asOf);
                }

                break;
            case ParameterCommand c: writer.Text(c.Name).Number(c.Value); break;
            case ReleaseCommand c: writer.Text(c.HoldId); break;
            case SlashCommand c:
                writer.Text(c.To).Number(c.From.Count);
                foreach (var slice in c.From)
                {
                    writer.Text(slice.HoldId).Number(slice.Amount);
                }

                break;
            default: throw new FabricRejectedException($"Unknown ledger command {command.GetType().Name}.");
        }

        return SHA256.HashData(writer.ToArray());
    }
}
