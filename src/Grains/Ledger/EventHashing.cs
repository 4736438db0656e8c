using System.Security.Cryptography;
using Fabric.Wallet.Requests;

namespace Fabric.Ledger;

/// <summary>
/// The hash chain: each event's hash is SHA-256 over the previous hash and the event's canonical bytes (sequence,
/// operation id, kind, token, memo, requester, time, command digest, then each posting's account, owner and delta).
/// Changing, removing or reordering any stored event breaks every hash after it.
/// </summary>
public static class EventHashing
{
    /// <summary>The "previous hash" of the first event: 32 zero bytes.</summary>
    public static byte[] GenesisHash => new byte[32];

    public static byte[] Hash(StoredEvent e)
    {
        var writer = new PayloadWriter()
            .Text("fabric-ledger-event-v1")
            .Text(Convert.ToHexStringLower(e.PreviousHash))
            .Number(e.Sequence)
            .Text(e.OperationId)
            .Text(e.Kind)
            .Number((long)e.Token)
            .Text(e.Memo)
            .Text(e.RequestedBy)
            .Number(e.AtUnixMs)
            .Text(Convert.ToHexStringLower(e.Digest))
            .Number(e.Postings.Count);
        foreach (var posting in e.Postings)
        {
            writer.Text(posting.Account).Text(posting.Owner).Number(posting.Delta);
        }

        return SHA256.HashData(writer.ToArray());
    }
}
