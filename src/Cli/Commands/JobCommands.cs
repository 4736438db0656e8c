using System.CommandLine;
using System.Globalization;
using Fabric.Client;
using Fabric.Jobs;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary>fabric job submit|list|status|logs|cancel|explain.</summary>
public static class JobCommands
{
    public static Command Create(CliServices services)
    {
        var command = new Command("job", "Run a command on rented GPUs (one process per GPU) and follow it");
        command.Subcommands.Add(Submit(services));
        command.Subcommands.Add(List(services));
        command.Subcommands.Add(Status(services));
        command.Subcommands.Add(Logs(services));
        command.Subcommands.Add(Cancel(services));
        command.Subcommands.Add(Explain(services));
        return command;
    }

    private static Command Submit(CliServices services)
    {
        var flags = new RentalFlags(hoursRequired: false);
        var cluster = new Option<string>("--cluster", "-c") { Description = "Run on this cluster of yours (default: deploy one for the job, from the resource flags, that ends with it)" };
        var id = new Option<string>("--id") { Description = "Job id (default: a new random id); submitting the same id and command again is safe" };
        var keypair = WalletLedgerCommands.KeypairOption("Renter's keypair file: signs and pays (default ~/.config/fabric/id.json)");
        var wait = new Option<bool>("--wait") { Description = "Follow the job until it ends: exit 0 if it succeeded, 1 if it failed or was cancelled" };
        var timeout = new Option<int?>("--timeout") { Description = "With --wait: give up after this many seconds (exit 1; the job keeps running)" };
        var program = new Argument<string[]>("command")
        {
            Description = "The program and its arguments, after -- (run as given, no shell)",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("submit",
            "Submit a job: fabric job submit [--cluster ID | --gpus N --model M --hours H ...] -- COMMAND ARGS...")
        {
            cluster, id, keypair, wait, timeout, program,
        };
        foreach (var option in flags.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var onCluster = parse.GetValue(cluster);
            if (onCluster is not null && ResourceFlagsGiven(parse, flags))
            {
                throw ClusterCommands.Usage("--cluster runs the job on a cluster you deployed: the resource flags (--gpus, --model, --hours, ...) do not apply to it.");
            }

            var request = onCluster is null ? flags.Request(parse) : null;
            var seconds = ClusterCommands.Timeout(parse, timeout);
            var arguments = parse.GetRequiredValue(program);
            var renter = WalletLedgerCommands.LoadKeypair(parse, keypair);
            var jobId = parse.GetValue(id) ?? FabricClient.NewId("job");
            var job = request is null
                ? await client.SubmitJobAsync(renter, jobId, onCluster!, arguments, ct)
                : await client.SubmitJobAsync(renter, jobId, request, arguments, ct);
            if (!parse.GetValue(wait))
            {
                output.Result(job, console => ShowJob(console, job));
                return ExitCodes.Ok;
            }

            return await WaitUntilEndedAsync(services, client, output, job.Id, seconds, ct);
        }, ct));
        return command;
    }

    private static bool ResourceFlagsGiven(ParseResult parse, RentalFlags flags) =>
        flags.All.Any(option => parse.GetResult(option) is { Implicit: false });

    private static Command List(CliServices services)
    {
        var keypair = WalletLedgerCommands.KeypairOption("Keypair file whose jobs to list (default ~/.config/fabric/id.json)");
        var address = new Option<string>("--address", "-a") { Description = "List this renter address's jobs instead of the keypair's" };
        var (skip, take) = Paging.Options();
        var command = new Command("list", "List a renter's jobs, newest first") { keypair, address, skip, take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var renter = ClusterCommands.Renter(parse, keypair, address);
            var request = Paging.Request(parse, skip, take);
            var ids = await client.ListJobIdsAsync(renter, request, ct);
            var jobs = new List<JobDetails>();
            foreach (var jobId in ids.Items)
            {
                if (await client.GetJobAsync(jobId, ct) is { } job)
                {
                    jobs.Add(job);
                }
            }

            output.Result(new PageView<JobDetails>(jobs, ids.Total, request.Skip), console =>
            {
                var table = new Table().AddColumns("Id", "Status", "Exit", "Cluster", "Submitted (UTC)", "Command", "Why");
                foreach (var j in jobs)
                {
                    table.AddRow(Markup.Escape(j.Id), Colour(j.Status), j.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "",
                        Markup.Escape(j.ClusterId), ClusterCommands.Time(j.SubmittedAt), Markup.Escape(CommandLine(j.Command)), Markup.Escape(j.Reason));
                }

                console.Write(table);
                console.WriteLine(Paging.Footer(request, jobs.Count, ids.Total, "job"));
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Status(CliServices services)
    {
        var id = new Argument<string>("id") { Description = "Job id" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Keep watching and print each change until the job ends (Ctrl+C to stop)" };
        var timeout = new Option<int?>("--timeout") { Description = "With --watch: stop after this many seconds" };
        var command = new Command("status", "Show a job: its status and why, its attempts and each rank's device and exit code") { id, watch, timeout };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var jobId = parse.GetRequiredValue(id);
            var seconds = ClusterCommands.Timeout(parse, timeout);
            if (!parse.GetValue(watch))
            {
                var job = await GetJobAsync(client, jobId, ct);
                output.Result(job, console => ShowJob(console, job));
                return ExitCodes.Ok;
            }

            await Following.FollowAsync(
                token => GetJobAsync(client, jobId, token),
                ChangeKey,
                job =>
                {
                    if (output.Json)
                    {
                        output.JsonLine(job);
                    }
                    else
                    {
                        output.Console.MarkupLine(CultureInfo.InvariantCulture, "{0:HH:mm:ss}  {1}  {2}", DateTimeOffset.Now, Colour(job.Status), Markup.Escape(Line(job)));
                    }
                },
                job => IsTerminal(job.Status),
                seconds,
                ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Logs(CliServices services)
    {
        var id = new Argument<string>("id") { Description = "Job id" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing output as it comes until the job ends (Ctrl+C to stop)" };
        var rank = new Option<int?>("--rank") { Description = "Only this rank's output (Fabric's own lines are always shown)" };
        var command = new Command("logs",
            "Print a job's output: its stdout to stdout, its stderr and Fabric's own lines to stderr (with --json, one JSON line per chunk)")
        {
            id, follow, rank,
        };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var jobId = parse.GetRequiredValue(id);
            var following = parse.GetValue(follow);
            var only = parse.GetValue(rank);
            long cursor = 0;
            while (true)
            {
                var page = await client.ReadLogsAsync(jobId, cursor, following ? TimeSpan.FromSeconds(15) : TimeSpan.Zero, cancellationToken: ct);
                if (page.Dropped > 0 && !output.Json)
                {
                    await output.Err.WriteLineAsync($"[fabric] {page.Dropped} earlier chunk(s) of output were dropped (a job keeps the tail of its output).");
                }

                foreach (var chunk in page.Chunks)
                {
                    if (only is { } r && chunk.Rank != r && chunk.Stream != OutputSource.Fabric)
                    {
                        continue;
                    }

                    if (output.Json)
                    {
                        output.JsonLine(chunk);
                    }
                    else
                    {
                        await (chunk.Stream == OutputSource.Stdout ? output.Out : output.Err).WriteAsync(chunk.Text);
                    }
                }

                await output.Out.FlushAsync(ct);
                await output.Err.FlushAsync(ct);
                cursor = page.Next;
                if (page.Complete || (!following && page.Chunks.Count == 0))
                {
                    return ExitCodes.Ok;
                }
            }
        }, ct));
        return command;
    }

    private static Command Cancel(CliServices services)
    {
        var id = new Argument<string>("id") { Description = "Job id" };
        var keypair = WalletLedgerCommands.KeypairOption("Renter's keypair file (only the renter may cancel a job)");
        var command = new Command("cancel", "Cancel a job: every rank's process tree is killed") { id, keypair };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var renter = WalletLedgerCommands.LoadKeypair(parse, keypair);
            var job = await client.CancelJobAsync(renter, parse.GetRequiredValue(id), ct);
            output.Result(job, console => ShowJob(console, job));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Explain(CliServices services)
    {
        var id = new Argument<string>("id") { Description = "Job id" };
        var command = new Command("explain", "Why a job's cluster was placed where it was, or why it still waits") { id };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var job = await GetJobAsync(client, parse.GetRequiredValue(id), ct);
            var view = await ClusterCommands.ExplainAsync(client, job.ClusterId, job.Id, ct);
            output.Result(view, console => ClusterCommands.ShowExplanation(console, view));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>
    /// Follows a job until it ends: 0 when it succeeded, 1 (with the reason) otherwise or on timeout, 130 on Ctrl+C;
    /// the last two say the job keeps going.
    /// </summary>
    private static async Task<int> WaitUntilEndedAsync(
        CliServices services, FabricClient client, CliOutput output, string jobId, int? timeoutSeconds, CancellationToken ct)
    {
        var (job, end) = await Following.FollowAsync(
            token => GetJobAsync(client, jobId, token),
            ChangeKey,
            j =>
            {
                if (output.Json)
                {
                    output.JsonLine(j);
                }
                else
                {
                    output.Console.MarkupLine(CultureInfo.InvariantCulture, "{0:HH:mm:ss}  {1}  {2}", DateTimeOffset.Now, Colour(j.Status), Markup.Escape(Line(j)));
                }
            },
            j => IsTerminal(j.Status),
            timeoutSeconds,
            ct);

        if (end != FollowEnd.Done)
        {
            return Following.Stopped(output, end, timeoutSeconds, services,
                $"job '{job.Id}' is still {job.Status} ({job.Reason}). It keeps going: " +
                $"follow it with 'fabric job status {job.Id} --watch' or stop it with 'fabric job cancel {job.Id}'.");
        }

        if (job.Status == JobStatus.Succeeded)
        {
            if (!output.Json)
            {
                output.Console.MarkupLine(CultureInfo.InvariantCulture, "Job [bold]{0}[/] succeeded. Its output: fabric job logs {0}", Markup.Escape(job.Id));
            }

            return ExitCodes.Ok;
        }

        var exit = job.ExitCode is { } code ? $" (exit code {code})" : "";
        output.Error("job-" + job.Status.ToString().ToLowerInvariant(), $"Job '{job.Id}' {job.Status.ToString().ToLowerInvariant()}{exit}: {job.Reason}", ExitCodes.Rejected);
        return ExitCodes.Rejected;
    }

    private static async Task<JobDetails> GetJobAsync(FabricClient client, string jobId, CancellationToken ct) =>
        await client.GetJobAsync(jobId, ct) ?? throw new FabricRejectedException($"No job has id '{jobId}'.");

    private static bool IsTerminal(JobStatus status) => status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    private static string ChangeKey(JobDetails j) =>
        string.Join('|', j.Status, j.Reason, j.ExitCode, string.Join(';', j.Attempts.SelectMany(a => a.Ranks.Select(r => $"{a.Number}/{r.Rank}/{r.Pid}/{r.ExitCode}"))));

    private static string Line(JobDetails j) =>
        j.Reason + (j.ExitCode is { } code ? $" (exit code {code})" : "") + (j.Attempts.Count > 1 ? $" [attempt {j.Attempts.Count}]" : "");

    private static string CommandLine(IReadOnlyList<string> command) =>
        string.Join(' ', command.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) || a.Contains('"') ? $"\"{a.Replace("\"", "\\\"")}\"" : a));

    private static string Colour(JobStatus status) => status switch
    {
        JobStatus.Succeeded => "[green]Succeeded[/]",
        JobStatus.Running => "[blue]Running[/]",
        JobStatus.Queued or JobStatus.Starting => $"[yellow]{status}[/]",
        JobStatus.Failed => "[red]Failed[/]",
        _ => status.ToString(),
    };

    private static void ShowJob(IAnsiConsole console, JobDetails j)
    {
        var table = new Table().HideHeaders().AddColumns("", "")
            .AddRow("Id", Markup.Escape(j.Id))
            .AddRow("Status", Colour(j.Status))
            .AddRow("Why", Markup.Escape(j.Reason))
            .AddRow("Cluster", Markup.Escape(j.ClusterId) + (j.ClusterId == FabricClient.ImplicitClusterId(j.Id) ? " (its own, ends with it)" : ""))
            .AddRow("Renter", Markup.Escape(j.Renter))
            .AddRow("Command", Markup.Escape(CommandLine(j.Command)))
            .AddRow("Submitted", ClusterCommands.Time(j.SubmittedAt) + " UTC");
        if (j.StartedAt is { } started)
        {
            table.AddRow("Started", ClusterCommands.Time(started) + " UTC");
        }

        if (j.EndedAt is { } ended)
        {
            table.AddRow("Ended", ClusterCommands.Time(ended) + " UTC");
        }

        if (j.ExitCode is { } code)
        {
            table.AddRow("Exit code", code == 0 ? "[green]0[/]" : $"[red]{code}[/]");
        }

        console.Write(table);
        if (j.Attempts.Count == 0)
        {
            console.MarkupLine("[grey]Not started yet.[/]");
            return;
        }

        var ranks = new Table().Title("Attempts").AddColumns("Attempt", "Rank", "Device", "PID", "Started (UTC)", "Ended (UTC)", "Exit", "Note");
        foreach (var attempt in j.Attempts)
        {
            var first = true;
            foreach (var r in attempt.Ranks.OrderBy(r => r.Rank))
            {
                ranks.AddRow(
                    first ? $"{attempt.Number} [grey]({Markup.Escape(attempt.Reason)})[/]" : "",
                    r.Rank.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(r.DeviceId),
                    r.Pid?.ToString(CultureInfo.InvariantCulture) ?? "",
                    r.StartedAt is { } s ? ClusterCommands.Time(s) : "",
                    r.EndedAt is { } e ? ClusterCommands.Time(e) : "",
                    r.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "",
                    Markup.Escape(r.Note ?? ""));
                first = false;
            }
        }

        console.Write(ranks);
    }
}
