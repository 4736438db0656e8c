namespace Fabric.Wallet.Requests;

/// <summary>Operation names of a renter's signed requests.</summary>
public static class RentalOperations
{
    public const string Deploy = "cluster.deploy";
    public const string Extend = "cluster.extend";
    public const string Release = "cluster.release";
    public const string Rate = "cluster.rate";
    public const string Submit = "job.submit";
    public const string Cancel = "job.cancel";
}

/// <summary>
/// Arguments of <see cref="RentalOperations.Deploy"/>. Models are comma-separated ("" for any), region "" for any,
/// max price -1 for none (IOSD base units per GPU-hour), and <paramref name="ForJob"/> names the job of an implicit
/// one-job cluster ("" for a cluster the renter manages).
/// </summary>
public sealed record ClusterDeployPayload(
    string ClusterId, long Gpus, string Models, long MinVramMib, string Region, long MaxPricePerHour, long Hours,
    string PayToken, string Priority, bool Cheap, string ForJob)
{
    public byte[] Encode() => new PayloadWriter()
        .Text(ClusterId).Number(Gpus).Text(Models).Number(MinVramMib).Text(Region).Number(MaxPricePerHour).Number(Hours)
        .Text(PayToken).Text(Priority).Number(Cheap ? 1 : 0).Text(ForJob).ToArray();

    public static ClusterDeployPayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new ClusterDeployPayload(
            r.Text("clusterId"), r.Number("gpus"), r.Text("models"), r.Number("minVramMib"), r.Text("region"),
            r.Number("maxPrice"), r.Number("hours"), r.Text("pay"), r.Text("priority"),
            r.Number("cheap") switch
            {
                0 => false,
                1 => true,
                _ => throw new WalletException("Payload field 'cheap' must be 0 or 1."),
            },
            r.Text("forJob"));
        r.End();
        return decoded;
    }
}

/// <summary>Arguments of extend (hours to add), release (value 0) and rate (stars 1 to 5).</summary>
public sealed record ClusterChangePayload(string ClusterId, long Value)
{
    public byte[] Encode() => new PayloadWriter().Text(ClusterId).Number(Value).ToArray();

    public static ClusterChangePayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new ClusterChangePayload(r.Text("clusterId"), r.Number("value"));
        r.End();
        return decoded;
    }
}

/// <summary>Arguments of <see cref="RentalOperations.Submit"/>: the job, its cluster, and the command (no shell).</summary>
public sealed record JobSubmitPayload(string JobId, string ClusterId, IReadOnlyList<string> Command)
{
    /// <summary>Most arguments a command may have.</summary>
    public const int MaxArguments = 256;

    public byte[] Encode()
    {
        var writer = new PayloadWriter().Text(JobId).Text(ClusterId).Number(Command.Count);
        foreach (var argument in Command)
        {
            writer.Text(argument);
        }

        return writer.ToArray();
    }

    public static JobSubmitPayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var jobId = r.Text("jobId");
        var clusterId = r.Text("clusterId");
        var count = r.Number("arguments");
        if (count is < 1 or > MaxArguments)
        {
            throw new WalletException($"A command has 1 to {MaxArguments} arguments (got {count}).");
        }

        var command = new string[count];
        for (var i = 0; i < count; i++)
        {
            command[i] = r.Text("argument");
        }

        r.End();
        return new JobSubmitPayload(jobId, clusterId, command);
    }
}

/// <summary>Arguments of <see cref="RentalOperations.Cancel"/>.</summary>
public sealed record JobRefPayload(string JobId)
{
    public byte[] Encode() => new PayloadWriter().Text(JobId).ToArray();

    public static JobRefPayload Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload);
        var decoded = new JobRefPayload(r.Text("jobId"));
        r.End();
        return decoded;
    }
}
