using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fabric.Client;
using Fabric.Jobs;
using Spectre.Console;

namespace Fabric.Cli.Commands;

/// <summary>fabric job submit|list|status.</summary>
public static class JobCommands
{
    public static Command Create(CliServices services)
    {
        var command = new Command("job", "Submit jobs and follow them");
        command.Subcommands.Add(Submit(services));
        command.Subcommands.Add(List(services));
        command.Subcommands.Add(Status(services));
        return command;
    }

    private static Command Submit(CliServices services)
    {
        var id = new Option<string>("--id") { Description = "Job id (default: a new random id); resubmitting the same id and spec is safe" };
        var renter = new Option<string>("--renter") { Description = "Who runs and pays for the job", Required = true };
        var gpus = new Option<int>("--gpus") { Description = "GPUs wanted", DefaultValueFactory = _ => 1 };
        var model = new Option<string[]>("--model") { Description = "Acceptable GPU model (repeatable, or comma-separated)" };
        var region = new Option<string>("--region") { Description = "Region wanted (default: any)" };
        var program = new Argument<string[]>("command")
        {
            Description = "The program and its arguments, after --",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("submit", "Submit a job: fabric job submit --renter NAME [--gpus N] -- COMMAND ARGS...")
        {
            id, renter, gpus, model, region, program,
        };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var spec = new JobSpec
            {
                Renter = parse.GetRequiredValue(renter),
                Command = parse.GetRequiredValue(program),
                Gpus = parse.GetValue(gpus),
                Models = [.. (parse.GetValue(model) ?? []).SelectMany(m => m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
                Region = parse.GetValue(region),
            };
            var job = await client.SubmitJobAsync(parse.GetValue(id) ?? FabricClient.NewId("job"), spec, ct);
            output.Result(JobView.From(job), console => console.Write(Details(job)));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command List(CliServices services)
    {
        var (skip, take) = Paging.Options();
        var command = new Command("list", "List jobs, newest first") { skip, take };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var request = Paging.Request(parse, skip, take);
            var page = await client.ListJobsAsync(request, ct);
            var view = new PageView<JobView>([.. page.Items.Select(JobView.From)], page.Total, request.Skip);
            output.Result(view, console =>
            {
                var table = new Table().AddColumns("Id", "Status", "GPUs", "Renter", "Submitted (UTC)", "Command");
                foreach (var j in page.Items)
                {
                    table.AddRow(Markup.Escape(j.Id), j.Status.ToString(), j.Spec.Gpus.ToString(CultureInfo.InvariantCulture),
                        Markup.Escape(j.Spec.Renter), j.SubmittedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                        Markup.Escape(string.Join(' ', j.Spec.Command)));
                }

                console.Write(table);
                console.WriteLine(Paging.Footer(request, page.Items.Count, page.Total, "job"));
            });
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Status(CliServices services)
    {
        var id = new Argument<string>("id") { Description = "Job id" };
        var watch = new Option<bool>("--watch", "-w") { Description = "Keep watching and print each change (Ctrl+C to stop)" };
        var timeout = new Option<int?>("--timeout") { Description = "With --watch: stop after this many seconds" };
        var command = new Command("status", "Show a job's status and why it is there") { id, watch, timeout };
        command.SetAction((parse, ct) => services.RunAsync(parse, async (client, output) =>
        {
            var jobId = parse.GetRequiredValue(id);
            if (!parse.GetValue(watch))
            {
                var job = await client.GetJobAsync(jobId, ct) ?? throw new FabricRejectedException($"No job has id '{jobId}'.");
                output.Result(JobView.From(job), console => console.Write(Details(job)));
                return ExitCodes.Ok;
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var shown = false;
            try
            {
                await foreach (var job in client.WatchJobAsync(jobId, TimeSpan.FromSeconds(1), limit.Token))
                {
                    // --timeout counts from the first status shown, not from start-up: connecting is not watching.
                    if (!shown && parse.GetValue(timeout) is { } seconds)
                    {
                        limit.CancelAfter(TimeSpan.FromSeconds(seconds));
                    }

                    shown = true;
                    if (output.Json)
                    {
                        // One compact document per change, so scripts can read the stream line by line.
                        Console.Out.WriteLine(JsonSerializer.Serialize(JobView.From(job), CliOutput.JsonOptions).ReplaceLineEndings(" "));
                    }
                    else
                    {
                        output.Console.MarkupLine(CultureInfo.InvariantCulture, "{0:HH:mm:ss}  [bold]{1}[/]  {2}",
                            job.UpdatedAt, job.Status, Markup.Escape(job.Reason));
                    }
                }
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                // --timeout elapsed or Ctrl+C: watching ends normally.
            }

            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Table Details(JobDetails j) => new Table().HideHeaders().AddColumns("", "")
        .AddRow("Id", Markup.Escape(j.Id))
        .AddRow("Status", $"[bold]{j.Status}[/]")
        .AddRow("Why", Markup.Escape(j.Reason))
        .AddRow("Renter", Markup.Escape(j.Spec.Renter))
        .AddRow("GPUs", j.Spec.Gpus.ToString(CultureInfo.InvariantCulture))
        .AddRow("Models", j.Spec.Models.Count == 0 ? "any" : Markup.Escape(string.Join(", ", j.Spec.Models)))
        .AddRow("Region", Markup.Escape(j.Spec.Region ?? "any"))
        .AddRow("Command", Markup.Escape(string.Join(' ', j.Spec.Command)))
        .AddRow("Submitted", j.SubmittedAt.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
}
