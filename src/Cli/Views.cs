using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Money;

namespace Fabric.Cli;

/// <summary>A device as the CLI shows it: every public detail, with the price also in IOSD.</summary>
public sealed record DeviceView(DeviceDetails Device, decimal PricePerHourIosd)
{
    public static DeviceView From(DeviceDetails d) => new(d, Token.IOSD.FromBaseUnits(d.Spec.PricePerHourBaseUnits));
}

/// <summary>
/// A cluster as the CLI shows it: every detail (amounts in base units), with the money also in whole tokens: prices
/// and charges in IOSD, the escrow, payments and fees in the paying token.
/// </summary>
public sealed record ClusterView(
    ClusterDetails Cluster,
    decimal LimitPricePerHourIosd,
    decimal? MaxPricePerHourIosd,
    decimal HeldTokens,
    decimal PaidTokens,
    decimal FeesTokens,
    decimal ChargedIosd,
    decimal UnspentTokens)
{
    public static ClusterView From(ClusterDetails c) => new(
        c,
        Token.IOSD.FromBaseUnits(c.LimitPricePerHour),
        c.Spec.MaxPricePerHour is { } max ? Token.IOSD.FromBaseUnits(max) : null,
        c.Pay.FromBaseUnits(c.Held),
        c.Pay.FromBaseUnits(c.Paid),
        c.Pay.FromBaseUnits(c.Fees),
        Token.IOSD.FromBaseUnits(c.Members.Concat(c.PastMembers).Sum(m => m.Charged)),
        c.Pay.FromBaseUnits(Unspent(c)));

    /// <summary>
    /// What of the escrow the renter has not spent, in base units: still held while the cluster lives, returned to
    /// the wallet once it ended. Settlement takes payments and their fees out of the holds, nothing else.
    /// </summary>
    public static long Unspent(ClusterDetails c) => c.Held - c.Paid - c.Fees;
}

/// <summary>
/// Why a cluster is placed where it is, or why it waits: the latest placement report (null before the first try) and
/// its place in the queue (-1 when not queued). <see cref="JobId"/> names the job when explaining a job's cluster.
/// </summary>
public sealed record ExplainView(
    string ClusterId,
    string? JobId,
    ClusterStatus Status,
    string Reason,
    int QueuePosition,
    PlacementReport? Report);

/// <summary>A page of a listing.</summary>
public sealed record PageView<T>(IReadOnlyList<T> Items, int Total, int Skip);
