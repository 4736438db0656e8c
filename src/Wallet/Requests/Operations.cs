namespace Fabric.Wallet.Requests;

/// <summary>Operation names of signed requests; each names exactly one payload type.</summary>
public static class Operations
{
    /// <summary>Move tokens from the signer's wallet to another (<see cref="TransferPayload"/>).</summary>
    public const string Transfer = "wallet.transfer";

    /// <summary>Destroy tokens held by the signer (<see cref="BurnPayload"/>).</summary>
    public const string Burn = "wallet.burn";

    /// <summary>Redeem IOSD for USD off-network: burns it (<see cref="WithdrawPayload"/>).</summary>
    public const string Withdraw = "wallet.withdraw";

    /// <summary>Create tokens; the network authority only (<see cref="MintPayload"/>).</summary>
    public const string Mint = "ledger.mint";

    /// <summary>Mint IOSD 1:1 against a USD deposit; the treasury only (<see cref="DepositPayload"/>).</summary>
    public const string Deposit = "treasury.deposit";
}

/// <summary>Arguments of <see cref="Operations.Transfer"/>: amount in the token's base units.</summary>
public sealed record TransferPayload(WalletAddress To, string Token, long Amount)
{
    public byte[] Encode() => new PayloadWriter().Address(To).Text(Token).Number(Amount).ToArray();

    public static TransferPayload Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var decoded = new TransferPayload(reader.Address("to"), reader.Text("token"), reader.Number("amount"));
        reader.End();
        return decoded;
    }
}

/// <summary>Arguments of <see cref="Operations.Burn"/>.</summary>
public sealed record BurnPayload(string Token, long Amount)
{
    public byte[] Encode() => new PayloadWriter().Text(Token).Number(Amount).ToArray();

    public static BurnPayload Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var decoded = new BurnPayload(reader.Text("token"), reader.Number("amount"));
        reader.End();
        return decoded;
    }
}

/// <summary>Arguments of <see cref="Operations.Withdraw"/>: IOSD base units and the payout reference (bank, card).</summary>
public sealed record WithdrawPayload(long Amount, string Reference)
{
    public byte[] Encode() => new PayloadWriter().Number(Amount).Text(Reference).ToArray();

    public static WithdrawPayload Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var decoded = new WithdrawPayload(reader.Number("amount"), reader.Text("reference"));
        reader.End();
        return decoded;
    }
}

/// <summary>Arguments of <see cref="Operations.Mint"/>.</summary>
public sealed record MintPayload(WalletAddress To, string Token, long Amount, string Memo)
{
    public byte[] Encode() => new PayloadWriter().Address(To).Text(Token).Number(Amount).Text(Memo).ToArray();

    public static MintPayload Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var decoded = new MintPayload(reader.Address("to"), reader.Text("token"), reader.Number("amount"), reader.Text("memo"));
        reader.End();
        return decoded;
    }
}

/// <summary>Arguments of <see cref="Operations.Deposit"/>: IOSD base units and the deposit's external reference.</summary>
public sealed record DepositPayload(WalletAddress To, long Amount, string Reference)
{
    public byte[] Encode() => new PayloadWriter().Address(To).Number(Amount).Text(Reference).ToArray();

    public static DepositPayload Decode(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var decoded = new DepositPayload(reader.Address("to"), reader.Number("amount"), reader.Text("reference"));
        reader.End();
        return decoded;
    }
}
