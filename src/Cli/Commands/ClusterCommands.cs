using System.CommandLine;
using System.Globalization;
using Fabric.Client;
using Fabric.Clusters;
using Fabric.Money;
using Fabric.Wallet;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary>fabric cluster deploy|list|status|extend|release|rate|explain and fabric queue.</summary>
public static class ClusterCommands
{
    public static Command Create(CliServices services)
    {
        var command = new Command("cluster", "Rent GPUs for some hours: deploy a cluster, follow it, extend, release and rate it (signed by your keypair)");
        command.Subcommands.Add(Deploy(services));
        command.Subcommands.Add(List(services));
        command.Subcommands.Add(Status(services));
        command.Subcommands.Add(Extend(services));
        command.Subcommands.Add(Release(services));
        command.Subcommands.Add(Rate(services));
        command.Subcommands.Add(Explain(services));
        return command;
    }

    public static Command Queue(CliServices services)
    {
        var take = new Option<int>("--take") { Description = "Waiting clusters to show, in the order they will be tried", DefaultValueFactory = _ => 20 };
        var command = new Command("queue", "The network's placement queue: clusters waiting for GPUs, next first") { take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var count = parse.GetValue(take);
            if (count is < 0 or > PageRequest.MaxSize)
            {
                throw Usage($"--take must be 0 to {PageRequest.MaxSize} (got {count}).");
            }

            var queue = await client.GetQueueAsync(count, ct);
            output.Result(queue, console =>
            {
                var table = new Table().AddColumns("#", "Cluster", "Renter", "Priority", "GPUs", "Cheap", "Queued (UTC)");
                var n = 0;
                foreach (var e in queue.Next)
                {
                    table.AddRow((n++).ToString(CultureInfo.InvariantCulture), Markup.Escape(e.ClusterId), Markup.Escape(Short(e.Renter)),
                        e.Priority.ToString(), e.Gpus.ToString(CultureInfo.InvariantCulture), e.Cheap ? "yes" : "",
                        Time(e.QueuedAt));
                }

                console.Write(table);
                console.MarkupLine(CultureInfo.InvariantCulture, "Waiting: [bold]{0}[/]   Placing now: {1}   Placed since the scheduler started: {2}",
                    queue.Waiting, queue.Placing, queue.Placed);
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Deploy(CliServices services)
    {
        var flags = new RentalFlags(hoursRequired: true);
        var id = new Option<string>("--id") { Description = "Cluster id (default: a new random id); deploying the same id and request again is safe" };
        var keypair = WalletLedgerCommands.KeypairOption("Renter's keypair file: signs and pays (default ~/.config/fabric/id.json)");
        var wait = new Option<bool>("--wait") { Description = "Follow the cluster until it runs (exit 0) or ends first (exit 1)" };
        var timeout = new Option<int?>("--timeout") { Description = "With --wait: give up after this many seconds (exit 1; the cluster stays deployed)" };
        var command = new Command("deploy",
            "Deploy a cluster: escrow its cost and queue it for GPUs, e.g. fabric cluster deploy --gpus 8 --model A100,H100 --min-vram-gib 40 --region eu --max-price 1.20 --hours 4");
        foreach (var option in flags.All)
        {
            command.Options.Add(option);
        }

        command.Options.Add(id);
        command.Options.Add(keypair);
        command.Options.Add(wait);
        command.Options.Add(timeout);
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var request = flags.Request(parse);
            var seconds = Timeout(parse, timeout);
            var renter = WalletLedgerCommands.LoadKeypair(parse, keypair);
            var clusterId = parse.GetValue(id) ?? FabricClient.NewId("cluster");
            var cluster = await client.DeployClusterAsync(renter, clusterId, request, ct);
            if (!parse.GetValue(wait))
            {
                output.Result(ClusterView.From(cluster), console => console.Write(Details(cluster)));
                return ExitCodes.Ok;
            }

            return await WaitUntilRunningAsync(services, client, output, cluster.Id, seconds, ct);
        }, ct));
        return command;
    }

    private static Command List(CliServices services)
    {
        var keypair = WalletLedgerCommands.KeypairOption("Keypair file whose clusters to list (default ~/.config/fabric/id.json)");
        var address = new Option<string>("--address", "-a") { Description = "List this renter address's clusters instead of the keypair's" };
        var (skip, take) = Paging.Options();
        var command = new Command("list", "List a renter's clusters, newest first") { keypair, address, skip, take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var renter = Renter(parse, keypair, address);
            var request = Paging.Request(parse, skip, take);
            var ids = await client.ListClusterIdsAsync(renter, request, ct);
            var clusters = new List<ClusterDetails>();
            foreach (var clusterId in ids.Items)
            {
                if (await client.GetClusterAsync(clusterId, ct) is { } cluster)
                {
                    clusters.Add(cluster);
                }
            }

            output.Result(new PageView<ClusterView>([.. clusters.Select(ClusterView.From)], ids.Total, request.Skip), console =>
            {
                var table = new Table().AddColumns("Id", "Status", "GPUs", "Models", "Region", "Hours", "Limit IOSD/GPU-h", "Held", "Ends (UTC)", "Why");
                foreach (var c in clusters)
                {
                    table.AddRow(Markup.Escape(c.Id), Colour(c.Status), $"{c.Members.Count}/{c.Spec.Gpus}", Markup.Escape(Models(c.Spec)),
                        Markup.Escape(c.Spec.Region ?? "any"), c.Spec.Hours.ToString(CultureInfo.InvariantCulture), Iosd(c.LimitPricePerHour),
                        $"{WalletLedgerCommands.Amount(c.Pay, c.Held)} {c.Pay}", c.EndsAt is { } ends ? Time(ends) : "",
                        Markup.Escape(c.Reason));
                }

                console.Write(table);
                console.WriteLine(Paging.Footer(request, clusters.Count, ids.Total, "cluster"));
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Status(CliServices services)
    {
        var id = new Argument<string>("id") { Description = "Cluster id" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Keep watching and print each change until the cluster ends (Ctrl+C to stop)" };
        var timeout = new Option<int?>("--timeout") { Description = "With --watch: stop after this many seconds" };
        var command = new Command("status", "Show a cluster: status and why, escrow, and its members (rank, device, price, time, charge)") { id, watch, timeout };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var clusterId = parse.GetRequiredValue(id);
            var seconds = Timeout(parse, timeout);
            if (!parse.GetValue(watch))
            {
                var cluster = await GetClusterAsync(client, clusterId, ct);
                output.Result(ClusterView.From(cluster), console => ShowCluster(console, cluster));
                return ExitCodes.Ok;
            }

            await Following.FollowAsync(
                token => GetClusterAsync(client, clusterId, token),
                ChangeKey,
                cluster =>
                {
                    if (output.Json)
                    {
                        output.JsonLine(ClusterView.From(cluster));
                    }
                    else
                    {
                        output.Console.Write(new Rule($"[grey]{DateTimeOffset.Now:HH:mm:ss}[/]").LeftJustified());
                        ShowCluster(output.Console, cluster);
                    }
                },
                cluster => IsEnded(cluster.Status),
                seconds,
                ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Extend(CliServices services)
    {
        var hours = new Option<int>("--hours") { Description = "Hours to add (escrowed first)", Required = true };
        return Change(services, "extend", "Add hours to a cluster: their cost is escrowed first", [hours], parse =>
        {
            var added = parse.GetValue(hours);
            return added >= 1
                ? (client, renter, clusterId, ct) => client.ExtendClusterAsync(renter, clusterId, added, ct)
                : throw Usage($"--hours must be at least 1 (got {added}).");
        });
    }

    private static Command Release(CliServices services) =>
        Change(services, "release", "End a cluster now: pay for the GPU-time used and get the rest of the escrow back", [],
            _ => (client, renter, clusterId, ct) => client.ReleaseClusterAsync(renter, clusterId, ct));

    private static Command Rate(CliServices services)
    {
        var stars = new Option<int>("--stars") { Description = "1 (poor) to 5 (excellent)", Required = true };
        return Change(services, "rate", "Rate the devices of a cluster, 1 to 5 stars (once per cluster)", [stars], parse =>
        {
            var given = parse.GetValue(stars);
            return given is >= 1 and <= 5
                ? (client, renter, clusterId, ct) => client.RateClusterAsync(renter, clusterId, given, ct)
                : throw Usage($"--stars must be 1 to 5 (got {given}).");
        });
    }

    /// <summary>A signed change of a cluster; <paramref name="prepare"/> checks the flags first (exit 64, nothing read or sent).</summary>
    private static Command Change(CliServices services, string name, string description, Option[] options,
        Func<ParseResult, Func<FabricClient, Keypair, string, CancellationToken, Task<ClusterDetails>>> prepare)
    {
        var id = new Argument<string>("id") { Description = "Cluster id" };
        var keypair = WalletLedgerCommands.KeypairOption("Renter's keypair file (only the renter may change a cluster)");
        var command = new Command(name, description) { id, keypair };
        foreach (var option in options)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var send = prepare(parse);
            var renter = WalletLedgerCommands.LoadKeypair(parse, keypair);
            var cluster = await send(client, renter, parse.GetRequiredValue(id), ct);
            output.Result(ClusterView.From(cluster), console => console.Write(Details(cluster)));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Explain(CliServices services)
    {
        var id = new Argument<string>("id") { Description = "Cluster id" };
        var command = new Command("explain", "Why a cluster was placed where it was, or why it still waits (candidates, scores, queue position)") { id };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var view = await ExplainAsync(client, parse.GetRequiredValue(id), jobId: null, ct);
            output.Result(view, console => ShowExplanation(console, view));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    internal static async Task<ExplainView> ExplainAsync(FabricClient client, string clusterId, string? jobId, CancellationToken ct)
    {
        var cluster = await GetClusterAsync(client, clusterId, ct);
        var (report, position) = await client.ExplainClusterAsync(clusterId, ct);
        return new ExplainView(cluster.Id, jobId, cluster.Status, cluster.Reason, position, report);
    }

    internal static void ShowExplanation(IAnsiConsole console, ExplainView view)
    {
        var head = new Table().HideHeaders().AddColumns("", "");
        if (view.JobId is { } jobId)
        {
            head.AddRow("Job", Markup.Escape(jobId));
        }

        head.AddRow("Cluster", Markup.Escape(view.ClusterId))
            .AddRow("Status", Colour(view.Status))
            .AddRow("Why", Markup.Escape(view.Reason))
            .AddRow("Queue", view.QueuePosition < 0 ? "not queued" : view.QueuePosition == 0 ? "next to be tried" : $"{view.QueuePosition} ahead of it");
        if (view.Report is not { } report)
        {
            head.AddRow("Placement", "not tried yet");
            console.Write(head);
            return;
        }

        head.AddRow("Placement", Markup.Escape(report.Summary))
            .AddRow("Tried", $"{Time(report.At)} UTC, {report.Attempts} attempt(s)")
            .AddRow("Feasible", $"{report.Feasible} device(s) matched the request");
        console.Write(head);
        if (report.Candidates.Count == 0)
        {
            return;
        }

        var table = new Table().Title("Candidates, best first (each part 0 to 1, higher is better)")
            .AddColumns("Device", "IOSD/GPU-h", "Score", "Price", "Tier", "Reputation", "Region", "Load", "Outcome");
        foreach (var c in report.Candidates)
        {
            table.AddRow(Markup.Escape(c.DeviceId), Iosd(c.PricePerHour), Score(c.Score), Score(c.Price), Score(c.Tier), Score(c.Reputation),
                Score(c.Region), Score(c.Load), c.Outcome == "chosen" ? "[green]chosen[/]" : Markup.Escape(c.Outcome));
        }

        console.Write(table);
    }

    /// <summary>
    /// Follows a cluster until it runs (0) or ends first (1), printing each change; gives up after
    /// <paramref name="timeoutSeconds"/> (1) or on Ctrl+C (130), saying the cluster stays deployed.
    /// </summary>
    private static async Task<int> WaitUntilRunningAsync(
        CliServices services, FabricClient client, CliOutput output, string clusterId, int? timeoutSeconds, CancellationToken ct)
    {
        var (cluster, end) = await Following.FollowAsync(
            async token =>
            {
                var c = await GetClusterAsync(client, clusterId, token);
                var position = c.Status == ClusterStatus.Queued ? (await client.ExplainClusterAsync(clusterId, token)).QueuePosition : -1;
                return (Cluster: c, Position: position);
            },
            p => $"{ChangeKey(p.Cluster)}|{p.Position}",
            p =>
            {
                if (output.Json)
                {
                    output.JsonLine(ClusterView.From(p.Cluster));
                }
                else
                {
                    var queue = p.Position >= 0 ? $" [grey](queue position {p.Position})[/]" : "";
                    output.Console.MarkupLine(CultureInfo.InvariantCulture, "{0:HH:mm:ss}  {1}  {2}/{3} GPU(s)  {4}{5}",
                        DateTimeOffset.Now, Colour(p.Cluster.Status), p.Cluster.Members.Count, p.Cluster.Spec.Gpus, Markup.Escape(p.Cluster.Reason), queue);
                }
            },
            p => p.Cluster.Status == ClusterStatus.Running || IsEnded(p.Cluster.Status),
            timeoutSeconds,
            ct);

        var c = cluster.Cluster;
        if (end != FollowEnd.Done)
        {
            return Following.Stopped(output, end, timeoutSeconds, services,
                $"cluster '{c.Id}' is still {c.Status} ({c.Reason}). It stays deployed with its escrow held: " +
                $"follow it with 'fabric cluster status {c.Id} --watch' or end it with 'fabric cluster release {c.Id}'.");
        }

        if (c.Status != ClusterStatus.Running)
        {
            output.Error("ended", $"Cluster '{c.Id}' ended {c.Status} before it ran: {c.Reason}.", ExitCodes.Rejected);
            return ExitCodes.Rejected;
        }

        if (!output.Json)
        {
            ShowCluster(output.Console, c);
        }

        return ExitCodes.Ok;
    }

    internal static async Task<ClusterDetails> GetClusterAsync(FabricClient client, string clusterId, CancellationToken ct) =>
        await client.GetClusterAsync(clusterId, ct) ?? throw new FabricRejectedException($"No cluster has id '{clusterId}'.");

    internal static WalletAddress Renter(ParseResult parse, Option<string> keypair, Option<string> address) =>
        parse.GetValue(address) is { } text
            ? WalletLedgerCommands.ParseAddress(text, "renter")
            : WalletLedgerCommands.LoadKeypair(parse, keypair).Address;

    internal static int? Timeout(ParseResult parse, Option<int?> timeout) => parse.GetValue(timeout) switch
    {
        null => null,
        > 0 and var s => s,
        var s => throw Usage($"--timeout must be a positive number of seconds (got {s})."),
    };

    /// <summary>A bad value on the command line: exit 64 (<see cref="CliServices.RunAsync"/> maps it), nothing sent.</summary>
    internal static ArgumentException Usage(string message) => new(message);

    private static string ChangeKey(ClusterDetails c) =>
        string.Join('|', c.Status, c.Reason, c.Members.Count, c.PastMembers.Count, c.Held, c.Paid, c.EndsAt, c.Stars);

    internal static bool IsEnded(ClusterStatus status) => status is ClusterStatus.Released or ClusterStatus.Expired or ClusterStatus.Failed;

    internal static void ShowCluster(IAnsiConsole console, ClusterDetails c)
    {
        console.Write(Details(c));
        var members = c.Members.Select(m => (Member: m, Past: false)).Concat(c.PastMembers.Select(m => (Member: m, Past: true)))
            .OrderBy(m => m.Member.Rank).ThenBy(m => m.Member.Since).ToList();
        if (members.Count == 0)
        {
            console.MarkupLine("[grey]No GPUs held yet.[/]");
            return;
        }

        var table = new Table().Title("Members").AddColumns("Rank", "Device", "Model", "Region", "IOSD/GPU-h", "Since (UTC)", "Until (UTC)", "Charged IOSD");
        foreach (var (m, past) in members)
        {
            var until = m.Until is { } u ? Time(u) + (m.EndReason is { } why ? $" ({why})" : "") : past ? "ended" : "running";
            table.AddRow(m.Rank.ToString(CultureInfo.InvariantCulture), Markup.Escape(m.DeviceId), Markup.Escape(m.Model), Markup.Escape(m.Region),
                Iosd(m.PricePerHour), Time(m.Since), past ? $"[grey]{Markup.Escape(until)}[/]" : Markup.Escape(until),
                WalletLedgerCommands.Amount(Token.IOSD, m.Charged));
        }

        console.Write(table);
    }

    internal static Table Details(ClusterDetails c)
    {
        var table = new Table().HideHeaders().AddColumns("", "")
            .AddRow("Id", Markup.Escape(c.Id))
            .AddRow("Status", Colour(c.Status))
            .AddRow("Why", Markup.Escape(c.Reason))
            .AddRow("Renter", Markup.Escape(c.Renter))
            .AddRow("GPUs", $"{c.Members.Count} of {c.Spec.Gpus} held")
            .AddRow("Wants", Markup.Escape($"{Models(c.Spec)}{(c.Spec.MinVramMib > 0 ? $", ≥ {Gib(c.Spec.MinVramMib)} GiB" : "")}, " +
                $"region {c.Spec.Region ?? "any"}, {c.Spec.Hours} h, {c.Spec.Priority.ToString().ToLowerInvariant()} priority{(c.Spec.Cheap ? ", cheap" : "")}"))
            .AddRow("Limit price", $"{Iosd(c.LimitPricePerHour)} IOSD per GPU-hour" + (c.Spec.MaxPricePerHour is null ? " (today's price)" : ""))
            .AddRow("Escrow", $"{WalletLedgerCommands.Amount(c.Pay, c.Held)} {c.Pay} escrowed, " +
                $"{WalletLedgerCommands.Amount(c.Pay, ClusterView.Unspent(c))} {c.Pay} {(c.EndedAt is null ? "still held" : "returned")}")
            .AddRow("Paid", $"{WalletLedgerCommands.Amount(c.Pay, c.Paid)} {c.Pay} (+ {WalletLedgerCommands.Amount(c.Pay, c.Fees)} {c.Pay} fees)")
            .AddRow("Created", Time(c.CreatedAt) + " UTC");
        if (c.PlacedAt is { } placed)
        {
            table.AddRow("Placed", Time(placed) + " UTC");
        }

        if (c.EndsAt is { } ends)
        {
            // Once ended, the renter paid up to the end, not for the hours booked.
            table.AddRow(c.EndedAt is null ? "Ends" : "Booked until", Time(ends) + " UTC");
        }

        if (c.EndedAt is { } ended)
        {
            table.AddRow("Ended", Time(ended) + " UTC");
        }

        if (c.Spec.ForJob is { } job)
        {
            table.AddRow("For job", Markup.Escape(job) + " (the cluster ends with it)");
        }
        else if (c.Jobs.Count > 0)
        {
            table.AddRow("Jobs", Markup.Escape(string.Join(", ", c.Jobs)));
        }

        if (c.Stars is { } stars)
        {
            table.AddRow("Rated", new string('★', stars) + new string('☆', 5 - stars));
        }

        return table;
    }

    internal static string Colour(ClusterStatus status) => status switch
    {
        ClusterStatus.Running => "[green]Running[/]",
        ClusterStatus.Queued => "[yellow]Queued[/]",
        ClusterStatus.Failed => "[red]Failed[/]",
        _ => status.ToString(),
    };

    private static string Models(ClusterSpec spec) => spec.Models.Count == 0 ? "any model" : string.Join(" or ", spec.Models);

    internal static string Short(string address) => address.Length > 12 ? address[..12] + "…" : address;

    internal static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Score(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    internal static string Iosd(long baseUnits) => Token.IOSD.FromBaseUnits(baseUnits).ToString("0.00####", CultureInfo.InvariantCulture);

    private static string Gib(int mib) => (mib / 1024m).ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>
/// The resource flags of <c>cluster deploy</c> and <c>job submit</c>: what GPUs, where, for how long, at what price.
/// Bad values are usage errors (exit 64), found before anything is signed or sent.
/// </summary>
internal sealed class RentalFlags
{
    public RentalFlags(bool hoursRequired)
    {
        Hours = hoursRequired
            ? new Option<int>("--hours") { Description = "Hours to rent (escrowed up front; unused time is returned)", Required = true }
            : new Option<int>("--hours") { Description = "Hours the job's own cluster may run at most (escrowed up front; unused time is returned)", DefaultValueFactory = _ => 1 };
    }

    public Option<int> Gpus { get; } = new("--gpus") { Description = "GPUs wanted", DefaultValueFactory = _ => 1 };

    public Option<string[]> Models { get; } = new("--model")
    {
        Description = "Acceptable GPU models, e.g. \"A100,H100\" (repeatable or comma-separated; default any)",
    };

    public Option<decimal?> MinVramGib { get; } = new("--min-vram-gib")
    {
        Description = "Only GPUs with at least this much memory, in GiB",
        CustomParser = r => Number(r, "a number of GiB, e.g. 40"),
    };

    public Option<string> Region { get; } = new("--region") { Description = "Region wanted, e.g. eu (default any)" };

    public Option<decimal?> MaxPrice { get; } = new("--max-price")
    {
        Description = "Highest price you accept, IOSD per GPU-hour, e.g. 1.20 (default: the escrow is sized at today's price of free GPUs)",
        CustomParser = r => Number(r, "a price in IOSD per GPU-hour, e.g. 1.20"),
    };

    public Option<int> Hours { get; }

    public Option<string> Pay { get; } = new("--pay") { Description = "Token to pay with: IOSD (default) or IO", DefaultValueFactory = _ => "IOSD" };

    public Option<string> Priority { get; } = new("--priority")
    {
        Description = "low, normal (default), high or urgent: who is placed first when GPUs are scarce",
        DefaultValueFactory = _ => "normal",
    };

    public Option<bool> Cheap { get; } = new("--cheap") { Description = "Wait for GPUs at or under --max-price rather than taking what is there now" };

    /// <summary>A decimal in invariant notation ("1.20"), or a parse error naming the option and what it expects (exit 64).</summary>
    private static decimal? Number(System.CommandLine.Parsing.ArgumentResult result, string expected)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        var option = (result.Parent as System.CommandLine.Parsing.OptionResult)?.Option.Name ?? "the option";
        result.AddError($"{option} '{text}' is not {expected}.");
        return null;
    }

    public IEnumerable<Option> All => [Gpus, Models, MinVramGib, Region, MaxPrice, Hours, Pay, Priority, Cheap];

    /// <summary>The request the flags describe; throws <see cref="ArgumentException"/> (exit 64) for a bad value.</summary>
    public ClusterRequest Request(ParseResult parse)
    {
        var gpus = parse.GetValue(Gpus);
        if (gpus < 1)
        {
            throw ClusterCommands.Usage($"--gpus must be at least 1 (got {gpus}).");
        }

        var hours = parse.GetValue(Hours);
        if (hours < 1)
        {
            throw ClusterCommands.Usage($"--hours must be at least 1 (got {hours}).");
        }

        var vram = 0;
        if (parse.GetValue(MinVramGib) is { } gib)
        {
            var mib = gib * 1024;
            if (gib < 0 || mib != decimal.Truncate(mib) || mib > int.MaxValue)
            {
                throw ClusterCommands.Usage($"--min-vram-gib {gib} is not a positive whole number of MiB.");
            }

            vram = (int)mib;
        }

        long? maxPrice = null;
        if (parse.GetValue(MaxPrice) is { } price)
        {
            if (price < 0)
            {
                throw ClusterCommands.Usage($"--max-price {price} must not be negative.");
            }

            try
            {
                maxPrice = Token.IOSD.ToBaseUnits(price);
            }
            catch (ArgumentException e)
            {
                throw ClusterCommands.Usage($"--max-price {price}: {e.Message.Split(" (Parameter", 2)[0]}");
            }
        }

        var cheap = parse.GetValue(Cheap);
        if (cheap && maxPrice is null)
        {
            throw ClusterCommands.Usage("--cheap waits for GPUs at or under a price: give --max-price too.");
        }

        var region = parse.GetValue(Region)?.Trim();
        return new ClusterRequest
        {
            Gpus = gpus,
            Models = [.. (parse.GetValue(Models) ?? []).SelectMany(m => m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
            MinVramMib = vram,
            Region = string.IsNullOrEmpty(region) ? null : region,
            MaxPricePerHour = maxPrice,
            Hours = hours,
            Pay = parse.GetValue(Pay)?.Trim().ToUpperInvariant() switch
            {
                "IOSD" or null => Token.IOSD,
                "IO" => Token.IO,
                var other => throw ClusterCommands.Usage($"--pay '{other}' is not a token: use IOSD or IO."),
            },
            Priority = parse.GetValue(Priority)?.Trim().ToLowerInvariant() switch
            {
                "low" => Clusters.Priority.Low,
                "normal" or null => Clusters.Priority.Normal,
                "high" => Clusters.Priority.High,
                "urgent" => Clusters.Priority.Urgent,
                var other => throw ClusterCommands.Usage($"--priority '{other}' is unknown: use low, normal, high or urgent."),
            },
            Cheap = cheap,
        };
    }
}

/// <summary>How following something ended.</summary>
internal enum FollowEnd
{
    /// <summary>It reached the state waited for.</summary>
    Done,

    /// <summary>--timeout ran out first.</summary>
    TimedOut,

    /// <summary>Ctrl+C or SIGTERM came first.</summary>
    Interrupted,
}

/// <summary>Polling a cluster or job until something is reached, printing each change once.</summary>
internal static class Following
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Reports a wait that did not reach its end ("Stopped waiting after N s: …" or "Stopped waiting (interrupted): …",
    /// then where things stand and what keeps going) and returns the exit code for it.
    /// </summary>
    public static int Stopped(CliOutput output, FollowEnd end, int? timeoutSeconds, CliServices services, string standing)
    {
        var (kind, why, exitCode) = end == FollowEnd.TimedOut
            ? ("timeout", $"after {timeoutSeconds} s", ExitCodes.Rejected)
            : ("interrupted", "(interrupted)", services.InterruptedExitCode);
        output.Error(kind, $"Stopped waiting {why}: {standing}", exitCode);
        return exitCode;
    }

    /// <summary>
    /// Reads every second, calls <paramref name="changed"/> when <paramref name="key"/> changes, and stops when
    /// <paramref name="done"/>, <paramref name="timeoutSeconds"/> after the first read (connecting is not waiting),
    /// or when <paramref name="ct"/> is cancelled (Ctrl+C), returning the last state read.
    /// </summary>
    public static async Task<(T Last, FollowEnd End)> FollowAsync<T>(
        Func<CancellationToken, Task<T>> read, Func<T, string> key, Action<T> changed, Func<T, bool> done, int? timeoutSeconds, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var current = await read(ct);
        if (timeoutSeconds is { } seconds)
        {
            limit.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        string? last = null;
        try
        {
            while (true)
            {
                var k = key(current);
                if (k != last)
                {
                    last = k;
                    changed(current);
                }

                if (done(current))
                {
                    return (current, FollowEnd.Done);
                }

                await Task.Delay(Interval, limit.Token);
                current = await read(limit.Token);
            }
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            return (current, ct.IsCancellationRequested ? FollowEnd.Interrupted : FollowEnd.TimedOut);
        }
    }
}
