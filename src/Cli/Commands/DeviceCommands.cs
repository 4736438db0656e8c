using System.CommandLine;
using System.Globalization;
using Fabric.Client;
using Fabric.Devices;
using Fabric.Money;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary>fabric device register|list|show.</summary>
public static class DeviceCommands
{
    public static Command Create(CliServices services)
    {
        var command = new Command("device", "Register, list and inspect GPU devices");
        command.Subcommands.Add(Register(services));
        command.Subcommands.Add(List(services));
        command.Subcommands.Add(Show(services));
        return command;
    }

    private static Command Register(CliServices services)
    {
        var id = new Option<string>("--id") { Description = "Device id (default: a new random id)" };
        var owner = new Option<string>("--owner") { Description = "Owner of the device", Required = true };
        var model = new Option<string>("--model") { Description = "GPU model, e.g. \"RTX 4090\"", Required = true };
        var vramGib = new Option<decimal>("--vram-gib") { Description = "GPU memory in GiB, e.g. 24", Required = true };
        var region = new Option<string>("--region") { Description = "Region code, e.g. eu or us-east", Required = true };
        var price = new Option<decimal>("--price") { Description = "Asking price in IOSD per GPU-hour, e.g. 0.45", Required = true };
        var command = new Command("register", "Add a GPU to the pool") { id, owner, model, vramGib, region, price };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var registration = new DeviceRegistration
            {
                Owner = parse.GetRequiredValue(owner),
                Model = parse.GetRequiredValue(model),
                VramMib = ToMib(parse.GetValue(vramGib)),
                Region = parse.GetRequiredValue(region),
                PricePerHourBaseUnits = ToIosdBaseUnits(parse.GetValue(price)),
            };
            var device = await client.RegisterDeviceAsync(parse.GetValue(id) ?? FabricClient.NewId("dev"), registration, ct);
            output.Result(DeviceView.From(device), console => console.Write(Details(device)));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command List(CliServices services)
    {
        var (skip, take) = Paging.Options();
        var command = new Command("list", "List registered devices, ordered by id") { skip, take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var request = Paging.Request(parse, skip, take);
            var page = await client.ListDevicesAsync(request, ct);
            var view = new PageView<DeviceView>([.. page.Items.Select(DeviceView.From)], page.Total, request.Skip);
            output.Result(view, console =>
            {
                var table = new Table().AddColumns("Id", "Model", "VRAM (GiB)", "Region", "IOSD/GPU-h", "Status", "Owner");
                foreach (var d in page.Items)
                {
                    table.AddRow(Markup.Escape(d.Id), Markup.Escape(d.Model), Gib(d.VramMib), Markup.Escape(d.Region),
                        Iosd(d.PricePerHourBaseUnits), d.Status.ToString(), Markup.Escape(d.Owner));
                }

                console.Write(table);
                console.WriteLine(Paging.Footer(request, page.Items.Count, page.Total, "device"));
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Show(CliServices services)
    {
        var id = new Argument<string>("id") { Description = "Device id" };
        var command = new Command("show", "Show one device") { id };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var deviceId = parse.GetRequiredValue(id);
            var device = await client.GetDeviceAsync(deviceId, ct)
                         ?? throw new FabricRejectedException($"No device has id '{deviceId}'.");
            output.Result(DeviceView.From(device), console => console.Write(Details(device)));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Table Details(DeviceDetails d) => new Table().HideHeaders().AddColumns("", "")
        .AddRow("Id", Markup.Escape(d.Id))
        .AddRow("Owner", Markup.Escape(d.Owner))
        .AddRow("Model", Markup.Escape(d.Model))
        .AddRow("VRAM", $"{Gib(d.VramMib)} GiB ({d.VramMib} MiB)")
        .AddRow("Region", Markup.Escape(d.Region))
        .AddRow("Price", $"{Iosd(d.PricePerHourBaseUnits)} IOSD per GPU-hour")
        .AddRow("Status", d.Status.ToString())
        .AddRow("Registered", d.RegisteredAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));

    private static int ToMib(decimal gib)
    {
        var mib = gib * 1024;
        if (gib <= 0 || mib != decimal.Truncate(mib) || mib > int.MaxValue)
        {
            throw new FabricRejectedException($"--vram-gib {gib} is not a positive whole number of MiB.");
        }

        return (int)mib;
    }

    private static long ToIosdBaseUnits(decimal price)
    {
        try
        {
            return Token.IOSD.ToBaseUnits(price);
        }
        catch (ArgumentException e)
        {
            throw new FabricRejectedException($"--price {price}: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    private static string Gib(int mib) => (mib / 1024m).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Iosd(long baseUnits) =>
        Token.IOSD.FromBaseUnits(baseUnits).ToString("0.00####", CultureInfo.InvariantCulture);
}
