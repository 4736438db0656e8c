using Fabric.Devices;
using Fabric.Jobs;
using Fabric.Money;

namespace Fabric.Cli;

/// <summary>A device as the CLI shows it: base units and their IOSD reading side by side.</summary>
public sealed record DeviceView(
    string Id,
    string Owner,
    string Model,
    int VramMib,
    string Region,
    long PricePerHourBaseUnits,
    decimal PricePerHourIosd,
    DeviceStatus Status,
    DateTimeOffset RegisteredAt)
{
    public static DeviceView From(DeviceDetails d) => new(
        d.Id, d.Owner, d.Model, d.VramMib, d.Region, d.PricePerHourBaseUnits,
        Token.IOSD.FromBaseUnits(d.PricePerHourBaseUnits), d.Status, d.RegisteredAt);
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
