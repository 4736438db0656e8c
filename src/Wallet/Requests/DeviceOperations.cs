namespace Fabric.Wallet.Requests;

/// <summary>Operation names of a device owner's signed requests.</summary>
public static class DeviceOperations
{
    public const string Register = "device.register";
    public const string Connect = "device.connect";
    public const string Rename = "device.rename";
    public const string Price = "device.price";
    public const string Region = "device.region";
    public const string Pause = "device.pause";
    public const string Resume = "device.resume";
    public const string Remove = "device.remove";
    public const string Activity = "device.activity";
}

/// <summary>Arguments of <see cref="DeviceOperations.Register"/>: the GPU and the machine it sits in.</summary>
public sealed record DeviceRegisterPayload(
    string DeviceId, string GpuUuid, string Model, long VramMib, string ComputeCapability, string Region,
    long PricePerHourBaseUnits, bool Simulated, string CpuModel, long CpuCores, long RamMib, string Os,
    long BandwidthMbps, long LatencyMs)
{
    public byte[] Encode() => new PayloadWriter()
        .Text(DeviceId).Text(GpuUuid).Text(Model).Number(VramMib).Text(ComputeCapability).Text(Region)
        .Number(PricePerHourBaseUnits).Number(Simulated ? 1 : 0).Text(CpuModel).Number(CpuCores).Number(RamMib).Text(Os)
        .Number(BandwidthMbps).Number(LatencyMs).ToArray();

    public static DeviceRegisterPayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new DeviceRegisterPayload(
            r.Text("deviceId"), r.Text("gpuUuid"), r.Text("model"), r.Number("vramMib"), r.Text("computeCapability"),
            r.Text("region"), r.Number("price"), r.Number("simulated") switch
            {
                0 => false,
                1 => true,
                _ => throw new WalletException("Payload field 'simulated' must be 0 or 1."),
            },
            r.Text("cpuModel"), r.Number("cpuCores"), r.Number("ramMib"), r.Text("os"), r.Number("bandwidthMbps"), r.Number("latencyMs"));
        r.End();
        return decoded;
    }
}

/// <summary>Arguments of the device operations that name only the device (connect, pause, resume, remove, activity).</summary>
public sealed record DeviceRefPayload(string DeviceId)
{
    public byte[] Encode() => new PayloadWriter().Text(DeviceId).ToArray();

    public static DeviceRefPayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new DeviceRefPayload(r.Text("deviceId"));
        r.End();
        return decoded;
    }
}

/// <summary>Arguments of rename and region changes: the new text.</summary>
public sealed record DeviceTextPayload(string DeviceId, string Value)
{
    public byte[] Encode() => new PayloadWriter().Text(DeviceId).Text(Value).ToArray();

    public static DeviceTextPayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new DeviceTextPayload(r.Text("deviceId"), r.Text("value"));
        r.End();
        return decoded;
    }
}

/// <summary>Arguments of a price change: IOSD base units per GPU-hour.</summary>
public sealed record DevicePricePayload(string DeviceId, long PricePerHourBaseUnits)
{
    public byte[] Encode() => new PayloadWriter().Text(DeviceId).Number(PricePerHourBaseUnits).ToArray();

    public static DevicePricePayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new DevicePricePayload(r.Text("deviceId"), r.Number("price"));
        r.End();
        return decoded;
    }
}
