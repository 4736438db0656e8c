using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Fabric.Client;
using Fabric.Devices;
using Fabric.Money;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary>fabric device register|list|show|rename|price|region|pause|resume|remove|activity|watch and fabric pool summary.</summary>
public static class DeviceCommands
{
    public static Command Create(CliServices services)
    {
        var command = new Command("device", "Register, find and manage GPU devices (changes are signed by the owner's keypair)");
        command.Subcommands.Add(Register(services));
        command.Subcommands.Add(List(services));
        command.Subcommands.Add(Show(services));
        command.Subcommands.Add(Activity(services));
        command.Subcommands.Add(Watch(services));
        command.Subcommands.Add(Change(services, "rename", "Give a device a name", "name", (c, k, id, v, ct) => c.RenameDeviceAsync(k, id, v!, ct)));
        command.Subcommands.Add(Change(services, "price", "Set the asking price in IOSD per GPU-hour", "iosd",
            (c, k, id, v, ct) => c.SetDevicePriceAsync(k, id, PriceUnits(ParsePrice(v!)), ct)));
        command.Subcommands.Add(Change(services, "region", "Move a device to another region code", "region", (c, k, id, v, ct) => c.SetDeviceRegionAsync(k, id, v!, ct)));
        command.Subcommands.Add(Change(services, "pause", "Stop a device taking new work", null, (c, k, id, _, ct) => c.PauseDeviceAsync(k, id, ct)));
        command.Subcommands.Add(Change(services, "resume", "Let a paused device take work again", null, (c, k, id, _, ct) => c.ResumeDeviceAsync(k, id, ct)));
        command.Subcommands.Add(Change(services, "remove", "Take an idle device out of the pool", null, (c, k, id, _, ct) => c.RemoveDeviceAsync(k, id, ct)));
        return command;
    }

    public static Command Pool(CliServices services)
    {
        var summary = new Command("summary", "Devices in the network by model, region and status");
        summary.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var counts = await client.GetPoolCountsAsync(ct);
            output.Result(counts, console =>
            {
                console.MarkupLine(CultureInfo.InvariantCulture, "[bold]{0}[/] devices ({1} simulated)", counts.Total, counts.Simulated);
                console.Write(CountTable("Model", counts.ByModel.Select(p => (p.Key, p.Value))));
                console.Write(CountTable("Region", counts.ByRegion.Select(p => (p.Key, p.Value))));
                console.Write(CountTable("Status", counts.ByStatus.Select(p => (p.Key.ToString(), p.Value))));
            });
            return ExitCodes.Ok;
        }, ct));
        var command = new Command("pool", "The network's GPU pool at a glance");
        command.Subcommands.Add(summary);
        return command;
    }

    private static Command Register(CliServices services)
    {
        var uuid = new Option<string>("--gpu-uuid") { Description = "The GPU's UUID (nvidia-smi --query-gpu=uuid)", Required = true };
        var model = new Option<string>("--model") { Description = "GPU model, e.g. \"RTX 4090\"", Required = true };
        var vramGib = new Option<decimal>("--vram-gib") { Description = "GPU memory in GiB, e.g. 24", Required = true };
        var capability = new Option<string>("--compute-cap") { Description = "CUDA compute capability", DefaultValueFactory = _ => "8.9" };
        var region = new Option<string>("--region") { Description = "Region code, e.g. eu or us-east", Required = true };
        var price = new Option<decimal>("--price") { Description = "Asking price in IOSD per GPU-hour, e.g. 0.45", Required = true };
        var simulated = new Option<bool>("--simulated") { Description = "Mark the device as simulated (no real GPU)" };
        var keypair = WalletLedgerCommands.KeypairOption("Owner's keypair file (default ~/.config/fabric/id.json)");
        var command = new Command("register", "Register a GPU by hand (the worker does this for you)")
        {
            uuid, model, vramGib, capability, region, price, simulated, keypair,
        };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var owner = WalletLedgerCommands.LoadKeypair(parse, keypair);
            var spec = new DeviceSpec
            {
                GpuUuid = parse.GetRequiredValue(uuid),
                Model = parse.GetRequiredValue(model),
                VramMib = ToMib(parse.GetValue(vramGib)),
                ComputeCapability = parse.GetValue(capability) ?? "8.9",
                Region = parse.GetRequiredValue(region),
                PricePerHourBaseUnits = PriceUnits(ParsePrice(parse.GetValue(price))),
                Simulated = parse.GetValue(simulated),
                Host = new HostInfo
                {
                    CpuModel = "unknown (registered by hand)", CpuCores = Environment.ProcessorCount,
                    RamMib = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024), Os = RuntimeInformation.OSDescription,
                    BandwidthMbps = 0, LatencyMs = 0,
                },
            };
            var device = await client.RegisterDeviceAsync(owner, spec, ct);
            output.Result(DeviceView.From(device), console => console.Write(Details(device)));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static (Option<bool> Mine, Option<string[]> Models, Option<string> Region, Option<string[]> Statuses, Option<decimal?> MaxPrice,
        Option<decimal?> MinVram, Option<bool> Verified, Option<bool> Free, Option<string> Sort, Option<string> Keypair) Filters() => (
        new Option<bool>("--mine") { Description = "Only devices owned by your keypair" },
        new Option<string[]>("--model") { Description = "Only these models (repeatable or comma-separated)" },
        new Option<string>("--region") { Description = "Only this region" },
        new Option<string[]>("--status") { Description = "Only these statuses (Online, Busy, Offline, ...)" },
        new Option<decimal?>("--max-price") { Description = "Only at or under this IOSD per GPU-hour" },
        new Option<decimal?>("--min-vram-gib") { Description = "Only with at least this much GPU memory" },
        new Option<bool>("--verified") { Description = "Only devices that passed verification" },
        new Option<bool>("--free") { Description = "Only devices with a free GPU" },
        new Option<string>("--sort") { Description = "price (default), tier or id", DefaultValueFactory = _ => "price" },
        WalletLedgerCommands.KeypairOption("Keypair file for --mine (default ~/.config/fabric/id.json)"));

    private static PoolQuery Query(ParseResult parse, (Option<bool> Mine, Option<string[]> Models, Option<string> Region, Option<string[]> Statuses,
        Option<decimal?> MaxPrice, Option<decimal?> MinVram, Option<bool> Verified, Option<bool> Free, Option<string> Sort, Option<string> Keypair) f,
        int skip, int take) => new()
        {
            Owner = parse.GetValue(f.Mine) ? WalletLedgerCommands.LoadKeypair(parse, f.Keypair).Address.ToString() : null,
            Models = [.. Split(parse.GetValue(f.Models))],
            Region = parse.GetValue(f.Region),
            Statuses = [.. Split(parse.GetValue(f.Statuses)).Select(s => Enum.TryParse<DeviceStatus>(s, ignoreCase: true, out var status)
                ? status
                : throw new FabricRejectedException($"Unknown status '{s}': use {string.Join(", ", Enum.GetNames<DeviceStatus>())}."))],
            MaxPricePerHourBaseUnits = parse.GetValue(f.MaxPrice) is { } max ? PriceUnits(ParsePrice(max)) : null,
            MinVramMib = parse.GetValue(f.MinVram) is { } gib ? ToMib(gib) : 0,
            VerifiedOnly = parse.GetValue(f.Verified),
            FreeOnly = parse.GetValue(f.Free),
            Sort = parse.GetValue(f.Sort)?.ToLowerInvariant() switch
            {
                null or "price" => PoolSort.Price,
                "tier" => PoolSort.Tier,
                "id" => PoolSort.Id,
                var other => throw new FabricRejectedException($"Unknown sort '{other}': use price, tier or id."),
            },
            Skip = skip,
            Take = take,
        };

    private static Command List(CliServices services)
    {
        var filters = Filters();
        var (skip, take) = Paging.Options();
        var command = new Command("list", "Find devices in the pool")
        {
            filters.Mine, filters.Models, filters.Region, filters.Statuses, filters.MaxPrice, filters.MinVram, filters.Verified, filters.Free,
            filters.Sort, filters.Keypair, skip, take,
        };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var query = Query(parse, filters, parse.GetValue(skip), parse.GetValue(take));
            var page = await client.QueryPoolAsync(query, ct);
            output.Result(new PageView<DeviceSummary>(page.Items, page.Total, query.Skip), console =>
            {
                console.Write(SummaryTable(page.Items));
                console.WriteLine(Paging.Footer(new PageRequest { Skip = query.Skip, Take = query.Take }, page.Items.Count, page.Total, "device"));
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Watch(CliServices services)
    {
        var filters = Filters();
        var interval = new Option<int>("--interval") { Description = "Seconds between refreshes", DefaultValueFactory = _ => 2 };
        var take = new Option<int>("--take") { Description = "Rows to show", DefaultValueFactory = _ => 30 };
        var timeout = new Option<int?>("--timeout") { Description = "Stop after this many seconds (default: until Ctrl+C)" };
        var command = new Command("watch", "A live table of devices, refreshed until Ctrl+C")
        {
            filters.Mine, filters.Models, filters.Region, filters.Statuses, filters.MaxPrice, filters.MinVram, filters.Verified, filters.Free,
            filters.Sort, filters.Keypair, interval, take, timeout,
        };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var query = Query(parse, filters, 0, parse.GetValue(take));
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (parse.GetValue(timeout) is { } seconds)
            {
                limit.CancelAfter(TimeSpan.FromSeconds(seconds));
            }

            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(interval))));
            try
            {
                if (output.Json)
                {
                    do
                    {
                        var page = await client.QueryPoolAsync(query, limit.Token);
                        Console.Out.WriteLine(JsonSerializer.Serialize(new PageView<DeviceSummary>(page.Items, page.Total, 0), CliOutput.JsonOptions).ReplaceLineEndings(" "));
                    }
                    while (await timer.WaitForNextTickAsync(limit.Token));
                }
                else
                {
                    await output.Console.Live(new Table()).StartAsync(async live =>
                    {
                        do
                        {
                            var page = await client.QueryPoolAsync(query, limit.Token);
                            live.UpdateTarget(SummaryTable(page.Items).Caption($"{page.Total} device(s) · {DateTimeOffset.Now:HH:mm:ss} · Ctrl+C to stop"));
                        }
                        while (await timer.WaitForNextTickAsync(limit.Token));
                    });
                }
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                // --timeout ends watching normally; after Ctrl+C the process still exits 130, as any interrupted command.
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Show(CliServices services)
    {
        var id = new Argument<string>("id") { Description = "Device id" };
        var command = new Command("show", "Show one device: spec, status, verification, live health") { id };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var deviceId = parse.GetRequiredValue(id);
            var device = await client.GetDeviceAsync(deviceId, ct) ?? throw new FabricRejectedException($"No device has id '{deviceId}'.");
            output.Result(DeviceView.From(device), console => console.Write(Details(device)));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Activity(CliServices services)
    {
        var id = new Argument<string>("id") { Description = "Device id" };
        var keypair = WalletLedgerCommands.KeypairOption("Owner's keypair file");
        var command = new Command("activity", "Owner's view: status history, connections, uptime per hour, traffic") { id, keypair };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var activity = await client.GetDeviceActivityAsync(WalletLedgerCommands.LoadKeypair(parse, keypair), parse.GetRequiredValue(id), ct);
            output.Result(activity, console =>
            {
                var history = new Table().Title("Status history").AddColumns("Time (UTC)", "From", "To", "Why");
                foreach (var change in activity.StatusHistory.TakeLast(20))
                {
                    history.AddRow(change.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), change.From.ToString(), change.To.ToString(), Markup.Escape(change.Reason));
                }

                console.Write(history);
                var uptime = new Table().Title("Uptime").AddColumns("Hour (UTC)", "Online");
                foreach (var hour in activity.Uptime.TakeLast(24))
                {
                    uptime.AddRow(hour.Hour.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture), $"{hour.Seconds / 36.0:0.#}%");
                }

                console.Write(uptime);
                console.MarkupLine(CultureInfo.InvariantCulture, "Traffic: {0:N0} bytes in, {1:N0} bytes out", activity.BytesIn, activity.BytesOut);
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Change(CliServices services, string name, string description, string? valueName,
        Func<FabricClient, Wallet.Keypair, string, string?, CancellationToken, Task<DeviceDetails>> apply)
    {
        var id = new Argument<string>("id") { Description = "Device id" };
        var value = valueName is null ? null : new Argument<string>(valueName) { Description = $"The new {valueName}" };
        var keypair = WalletLedgerCommands.KeypairOption("Owner's keypair file (only the owner may change a device)");
        var command = new Command(name, description) { id, keypair };
        if (value is not null)
        {
            command.Arguments.Add(value);
        }

        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var owner = WalletLedgerCommands.LoadKeypair(parse, keypair);
            var device = await apply(client, owner, parse.GetRequiredValue(id), value is null ? null : parse.GetRequiredValue(value), ct);
            output.Result(DeviceView.From(device), console => console.Write(Details(device)));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static IEnumerable<string> Split(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>IOSD base units of a price; zero is a valid price (a free GPU), unlike a zero payment.</summary>
    private static long PriceUnits(decimal price)
    {
        try
        {
            return Token.IOSD.ToBaseUnits(price);
        }
        catch (ArgumentException e)
        {
            throw new FabricRejectedException($"Price {price}: {e.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    private static decimal ParsePrice(decimal price) =>
        price >= 0 ? price : throw new FabricRejectedException($"Price {price} must not be negative.");

    private static decimal ParsePrice(string text) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var price)
            ? ParsePrice(price)
            : throw new FabricRejectedException($"Price '{text}' is not a number of IOSD.");

    private static Table SummaryTable(IEnumerable<DeviceSummary> devices)
    {
        var table = new Table().AddColumns("Id", "Name", "Model", "VRAM (GiB)", "Region", "IOSD/GPU-h", "Status", "Tier", "Load", "Owner");
        foreach (var d in devices)
        {
            table.AddRow(Markup.Escape(d.Id), Markup.Escape(d.Name) + (d.Simulated ? " [grey](simulated)[/]" : ""), Markup.Escape(d.Model),
                Gib(d.VramMib), Markup.Escape(d.Region), Iosd(d.PricePerHourBaseUnits), Colour(d.Status), d.Tier.ToString(), $"{d.LoadPct}%",
                Markup.Escape(d.Owner.Length > 12 ? d.Owner[..12] + "…" : d.Owner));
        }

        return table;
    }

    private static Table CountTable(string title, IEnumerable<(string Key, int Count)> rows)
    {
        var table = new Table().AddColumns(title, "Devices");
        foreach (var (key, count) in rows.OrderByDescending(r => r.Count).ThenBy(r => r.Key, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(key), count.ToString(CultureInfo.InvariantCulture));
        }

        return table;
    }

    private static string Colour(DeviceStatus status) => status switch
    {
        DeviceStatus.Online => "[green]Online[/]",
        DeviceStatus.Busy => "[blue]Busy[/]",
        DeviceStatus.Unhealthy or DeviceStatus.Verifying => $"[yellow]{status}[/]",
        DeviceStatus.Offline or DeviceStatus.FailedVerification or DeviceStatus.Removed => $"[red]{status}[/]",
        _ => status.ToString(),
    };

    private static Table Details(DeviceDetails d) => new Table().HideHeaders().AddColumns("", "")
        .AddRow("Id", Markup.Escape(d.Id))
        .AddRow("Name", Markup.Escape(d.Name) + (d.Spec.Simulated ? " [grey](simulated GPU)[/]" : ""))
        .AddRow("Owner", Markup.Escape(d.Owner))
        .AddRow("Model", $"{Markup.Escape(d.Spec.Model)} (compute {Markup.Escape(d.Spec.ComputeCapability)})")
        .AddRow("VRAM", $"{Gib(d.Spec.VramMib)} GiB ({d.Spec.VramMib} MiB)")
        .AddRow("Region", Markup.Escape(d.Spec.Region))
        .AddRow("Price", $"{Iosd(d.Spec.PricePerHourBaseUnits)} IOSD per GPU-hour")
        .AddRow("Status", Colour(d.Status))
        .AddRow("Tier", d.VerifiedAt is { } at
            ? $"{d.Tier} ({d.MeasuredHashesPerSecond:N0} hashes/s, verified {at:yyyy-MM-dd HH:mm} UTC)"
            : $"{d.Tier}{(d.FailedVerifications > 0 ? $" ({d.FailedVerifications} failed verification(s))" : "")}")
        .AddRow("Reputation", d.Reputation.ToString(CultureInfo.InvariantCulture))
        .AddRow("Host", Markup.Escape($"{d.Spec.Host.CpuModel}, {d.Spec.Host.CpuCores} cores, {d.Spec.Host.RamMib / 1024} GiB RAM, {d.Spec.Host.Os}"))
        .AddRow("Live", d.LastHeartbeat is { } h
            ? $"{h.UtilizationPct}% busy, {h.TemperatureC} °C, {h.PowerW} W, {Gib(h.FreeVramMib)} GiB free (seen {d.LastSeenAt:HH:mm:ss} UTC)"
            : "no heartbeat yet")
        .AddRow("Registered", d.RegisteredAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));

    private static int ToMib(decimal gib)
    {
        var mib = gib * 1024;
        if (gib <= 0 || mib != decimal.Truncate(mib) || mib > int.MaxValue)
        {
            throw new FabricRejectedException($"{gib} GiB is not a positive whole number of MiB.");
        }

        return (int)mib;
    }

    private static string Gib(int mib) => (mib / 1024m).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Iosd(long baseUnits) =>
        Token.IOSD.FromBaseUnits(baseUnits).ToString("0.00####", CultureInfo.InvariantCulture);
}
