using Fabric.Devices;
using Fabric.Jobs;
using Fabric.Money;

namespace Fabric.Cli;

/// <summary>A device as the CLI shows it: every public detail, with the price also in IOSD.</summary>
public sealed record DeviceView(DeviceDetails Device, decimal PricePerHourIosd)
{
    public static DeviceView From(DeviceDetails d) => new(d, Token.IOSD.FromBaseUnits(d.Spec.PricePerHourBaseUnits));
}

/// <summary>A job as the CLI shows it.</summary>
public sealed record JobView(
    string Id,
    string Renter,
    IReadOnlyList<string> Command,
    int Gpus,
    IReadOnlyList<string> Models,
    string? Region,
    JobStatus Status,
    string Reason,
    DateTimeOffset SubmittedAt,
    DateTimeOffset UpdatedAt)
{
    public static JobView From(JobDetails j) => new(
        j.Id, j.Spec.Renter, j.Spec.Command, j.Spec.Gpus, j.Spec.Models, j.Spec.Region, j.Status, j.Reason,
        j.SubmittedAt, j.UpdatedAt);
}

/// <summary>A page of a listing.</summary>
public sealed record PageView<T>(IReadOnlyList<T> Items, int Total, int Skip);
