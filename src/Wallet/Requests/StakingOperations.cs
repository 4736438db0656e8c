namespace Fabric.Wallet.Requests;

/// <summary>Operation names of a device owner's staking requests and the price oracle's feed.</summary>
public static class StakingOperations
{
    /// <summary>Put IO in escrow on a device (<see cref="StakePayload"/>); the device's owner only.</summary>
    public const string Add = "stake.add";

    /// <summary>Start the cooldown of a device's whole stake (<see cref="StakeRefPayload"/>).</summary>
    public const string Unstake = "stake.unstake";

    /// <summary>Return a stake whose cooldown has passed to its owner (<see cref="StakeRefPayload"/>).</summary>
    public const string Withdraw = "stake.withdraw";

    /// <summary>The oracle's IO/USD price (<see cref="PricePayload"/>); the configured oracle key only.</summary>
    public const string SetPrice = "price.set";
}

/// <summary>Arguments of <see cref="StakingOperations.Add"/>: the device and IO base units (10^-8 IO).</summary>
public sealed record StakePayload(string DeviceId, long Amount)
{
    public byte[] Encode() => new PayloadWriter().Text(DeviceId).Number(Amount).ToArray();

    public static StakePayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new StakePayload(r.Text("deviceId"), r.Number("amount"));
        r.End();
        return decoded;
    }
}

/// <summary>Arguments of <see cref="StakingOperations.Unstake"/> and <see cref="StakingOperations.Withdraw"/>.</summary>
public sealed record StakeRefPayload(string DeviceId)
{
    public byte[] Encode() => new PayloadWriter().Text(DeviceId).ToArray();

    public static StakeRefPayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new StakeRefPayload(r.Text("deviceId"));
        r.End();
        return decoded;
    }
}

/// <summary>
/// Arguments of <see cref="StakingOperations.SetPrice"/>: USD per IO in micro-USD (6 decimals, as IOSD's base unit:
/// 2.5 USD = 2,500,000) and when the oracle observed it (Unix ms, UTC).
/// </summary>
public sealed record PricePayload(long MicroUsdPerIo, long ObservedAtUnixMs)
{
    public byte[] Encode() => new PayloadWriter().Number(MicroUsdPerIo).Number(ObservedAtUnixMs).ToArray();

    public static PricePayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new PricePayload(r.Number("microUsdPerIo"), r.Number("observedAt"));
        r.End();
        return decoded;
    }
}
