using System.Text.Json;
using Fabric.Integration.Infrastructure;

namespace Fabric.Integration;

/// <summary>
/// Renting as a user drives it from the CLI, against one real silo with no worker: clusters are deployed (their cost
/// escrowed), wait for GPUs, take jobs, and are released with the escrow returned. Refusals hold nothing.
/// </summary>
public sealed class RentalCliTests(SingleSiloFixture fixture) : IClassFixture<SingleSiloFixture>
{
    // A model no test registers: "no GPU matches" whatever order the tests run in.
    private const string NoSuchModel = "NoSuchGpu-9000";

    private Task<CliResult> Cli(params string[] arguments) => CliRunner.RunAsync(fixture.WorkDir, arguments);

    private string AuthorityKey => Path.Combine(fixture.WorkDir, ".fabric", "keys", "authority.json");

    /// <summary>A new renter keypair file holding <paramref name="iosd"/> IOSD minted by the network's authority.</summary>
    private async Task<string> FundedRenterAsync(decimal iosd)
    {
        var file = Path.Combine(fixture.WorkDir, $"renter-{Guid.NewGuid():N}.json");
        var created = await Cli("wallet", "new", "--outfile", file, "--json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var address = created.Json().GetProperty("address").GetString()!;
        var mint = await Cli("ledger", "mint", "--to", address, "--amount", iosd.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--token", "IOSD", "--keypair", AuthorityKey, "--json");
        Assert.True(mint.ExitCode == 0, mint.ToString());
        return file;
    }

    /// <summary>
    /// Registers <paramref name="count"/> GPUs of a model no other test uses (80 GiB, eu, 0.5 IOSD/h) that no worker
    /// serves: requests for it are accepted and wait. Returns the model.
    /// </summary>
    private async Task<string> IdleModelAsync(string tag, int count = 1)
    {
        var model = $"{tag}-{Guid.NewGuid():N}"[..(tag.Length + 9)];
        for (var i = 0; i < count; i++)
        {
            var registered = await Cli("device", "register", "--gpu-uuid", $"GPU-{Guid.NewGuid()}", "--model", model, "--vram-gib", "80",
                "--region", "eu", "--price", "0.5", "--simulated", "--keypair", fixture.Keypair, "--json");
            Assert.True(registered.ExitCode == 0, registered.ToString());
        }

        return model;
    }

    private async Task<(decimal Available, decimal Held)> IosdAsync(string keypair)
    {
        var balance = await Cli("wallet", "balance", "--keypair", keypair, "--json");
        Assert.True(balance.ExitCode == 0, balance.ToString());
        var iosd = balance.Json().GetProperty("balances").EnumerateArray().Single(b => b.GetProperty("token").GetString() == "IOSD");
        return (iosd.GetProperty("availableTokens").GetDecimal(), iosd.GetProperty("heldTokens").GetDecimal());
    }

    [Fact]
    public async Task Deploying_when_no_gpu_matches_exits_1_with_a_clear_error_and_holds_nothing()
    {
        var renter = await FundedRenterAsync(100);

        var result = await Cli("cluster", "deploy", "--gpus", "8", "--model", $"{NoSuchModel},H100-Imaginary", "--min-vram-gib", "40",
            "--region", "eu", "--max-price", "1.20", "--hours", "4", "--keypair", renter, "--json");
        var listed = await Cli("cluster", "list", "--keypair", renter, "--json");

        Assert.Equal(1, result.ExitCode);
        var error = result.ErrorJson();
        Assert.Equal("rejected", error.GetProperty("kind").GetString());
        Assert.Contains($"No GPU on the network matches {NoSuchModel}", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
        Assert.Equal((100m, 0m), await IosdAsync(renter));
        Assert.Equal(0, listed.Json().GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task A_job_without_a_cluster_and_no_matching_gpu_is_refused_and_never_exists()
    {
        var renter = await FundedRenterAsync(10);
        var id = $"job-{Guid.NewGuid():N}"[..16];

        var submitted = await Cli("--json", "job", "submit", "--id", id, "--model", NoSuchModel, "--keypair", renter, "--", "true");
        var status = await Cli("--json", "job", "status", id);

        Assert.Equal(1, submitted.ExitCode);
        Assert.Contains("No GPU on the network matches", submitted.ErrorJson().GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, status.ExitCode);
        Assert.Contains($"No job has id '{id}'", status.ErrorJson().GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal((10m, 0m), await IosdAsync(renter));
    }

    [Theory]
    [InlineData("--gpus must be at least 1", "cluster", "deploy", "--gpus", "0", "--hours", "1")]
    [InlineData("--hours must be at least 1", "cluster", "deploy", "--hours", "0")]
    [InlineData("--max-price -1 must not be negative", "cluster", "deploy", "--hours", "1", "--max-price", "-1")]
    [InlineData("IOSD has 6 decimals", "cluster", "deploy", "--hours", "1", "--max-price", "0.0000001")]
    [InlineData("--pay 'DOGE' is not a token", "cluster", "deploy", "--hours", "1", "--pay", "DOGE")]
    [InlineData("--priority 'whenever' is unknown", "cluster", "deploy", "--hours", "1", "--priority", "whenever")]
    [InlineData("give --max-price too", "cluster", "deploy", "--hours", "1", "--cheap")]
    [InlineData("not a positive whole number of MiB", "cluster", "deploy", "--hours", "1", "--min-vram-gib", "0.0001")]
    [InlineData("--stars must be 1 to 5", "cluster", "rate", "some-cluster", "--stars", "9")]
    [InlineData("--hours must be at least 1", "cluster", "extend", "some-cluster", "--hours", "0")]
    [InlineData("--timeout must be a positive number", "job", "status", "some-job", "--watch", "--timeout", "0")]
    [InlineData("the resource flags", "job", "submit", "--cluster", "some-cluster", "--gpus", "2", "--", "true")]
    [InlineData("--hours must be at least 1", "job", "submit", "--hours", "0", "--", "true")]
    [InlineData("--gpus must be at least 1", "job", "submit", "--gpus", "-3", "--", "true")]
    public async Task Bad_flag_values_exit_64_before_anything_is_sent(string message, params string[] arguments)
    {
        // No keypair exists at the default path: the flags are refused before it would be read.
        var result = await Cli(["--json", .. arguments]);

        Assert.True(result.ExitCode == 64, result.ToString());
        var error = result.ErrorJson();
        Assert.Equal("usage", error.GetProperty("kind").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Theory]
    [InlineData("is not a price in IOSD per GPU-hour", "cluster", "deploy", "--hours", "1", "--max-price", "cheap")]
    [InlineData("Option '--hours' is required", "cluster", "deploy", "--gpus", "2")]
    [InlineData("--min-vram-gib 'lots' is not a number of GiB", "job", "submit", "--min-vram-gib", "lots", "--", "true")]
    [InlineData("Cannot parse argument 'two' for option '--gpus'", "cluster", "deploy", "--gpus", "two", "--hours", "1")]
    [InlineData("Required argument missing for option: '--model'", "cluster", "deploy", "--hours", "1", "--model")]
    [InlineData("Required argument missing for command: 'submit'", "job", "submit", "--cluster", "some-cluster")]
    [InlineData("Unrecognized command or argument '--gpu'", "cluster", "deploy", "--hours", "1", "--gpu", "2")]
    public async Task Malformed_flags_exit_64_with_the_usage_hint(string message, params string[] arguments)
    {
        var result = await Cli(arguments);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
        Assert.Contains("fabric --help", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Insufficient_funds_and_more_gpus_than_the_network_has_are_refused_and_hold_nothing()
    {
        // Two matching GPUs exist (registered, no worker): enough to price a request, too few for 1,000.
        var model = await IdleModelAsync("ScarceGpu", count: 2);

        var renter = await FundedRenterAsync(1);
        var clusterId = $"cl-{Guid.NewGuid():N}"[..15];
        var jobId = $"jb-{Guid.NewGuid():N}"[..15];

        // 1 GPU × 1 h at ≤ 5 IOSD + 2% is 5.1 IOSD of escrow; the wallet has 1.
        var poor = await Cli("cluster", "deploy", "--gpus", "1", "--model", model, "--max-price", "5", "--hours", "1", "--id", clusterId,
            "--keypair", renter, "--json");
        var poorJob = await Cli("--json", "job", "submit", "--id", jobId, "--gpus", "1", "--model", model, "--max-price", "5",
            "--keypair", renter, "--", "true");
        var thousand = await Cli("cluster", "deploy", "--gpus", "1000", "--model", model, "--hours", "1", "--id", clusterId,
            "--keypair", renter, "--json");
        var thousandJob = await Cli("--json", "job", "submit", "--id", jobId, "--gpus", "1000", "--model", model, "--keypair", renter, "--", "true");
        var beyondAnyNetwork = await Cli("cluster", "deploy", "--gpus", "5000", "--model", model, "--hours", "1", "--id", clusterId,
            "--keypair", renter, "--json");

        foreach (var (refused, message) in new[]
        {
            (poor, "Insufficient funds"), (poorJob, "Insufficient funds"),
            (thousand, $"The network has only 2 GPU(s) matching {model}"), (thousandJob, $"The network has only 2 GPU(s) matching {model}"),
            (beyondAnyNetwork, "GPUs must be 1 to 1024 (got 5000)"),
        })
        {
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.Equal("rejected", refused.ErrorJson().GetProperty("kind").GetString());
            Assert.Contains(message, refused.ErrorJson().GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Empty(refused.Stdout);
        }

        Assert.Contains("1000 asked", thousand.ErrorJson().GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Matches(@"has 1(\.0*)? IOSD available, needs 5\.10*\b", poor.ErrorJson().GetProperty("message").GetString());
        Assert.Equal((1m, 0m), await IosdAsync(renter));
        Assert.Equal(0, (await Cli("cluster", "list", "--keypair", renter, "--json")).Json().GetProperty("total").GetInt32());
        Assert.Equal(0, (await Cli("job", "list", "--keypair", renter, "--json")).Json().GetProperty("total").GetInt32());
        Assert.Equal(1, (await Cli("cluster", "status", clusterId, "--json")).ExitCode);
        Assert.Equal(1, (await Cli("job", "status", jobId, "--json")).ExitCode);
        Assert.Equal(1, (await Cli("cluster", "status", Client.FabricClient.ImplicitClusterId(jobId), "--json")).ExitCode);
        var queue = await Cli("queue", "--json");
        Assert.DoesNotContain(clusterId, queue.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_escrows_its_cost_takes_a_job_and_returns_the_escrow_when_released()
    {
        // A matching GPU is registered but no worker runs it: the cluster is accepted and waits for placement.
        var model = await IdleModelAsync("RentalGpu");
        var renter = await FundedRenterAsync(100);
        var stranger = await FundedRenterAsync(1);
        var clusterId = $"cl-{Guid.NewGuid():N}"[..15];
        var jobId = $"jb-{Guid.NewGuid():N}"[..15];
        string[] deploy = ["cluster", "deploy", "--gpus", "1", "--model", model, "--min-vram-gib", "40", "--region", "eu",
            "--max-price", "1.20", "--hours", "4", "--priority", "high", "--id", clusterId, "--keypair", renter, "--json"];

        var deployed = await Cli(deploy);

        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        var view = deployed.Json();
        var cluster = view.GetProperty("cluster");
        Assert.Equal(clusterId, cluster.GetProperty("id").GetString());
        Assert.Equal("Queued", cluster.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(cluster.GetProperty("reason").GetString()));
        Assert.Equal(1_200_000, cluster.GetProperty("limitPricePerHour").GetInt64());
        Assert.Equal(1.2m, view.GetProperty("limitPricePerHourIosd").GetDecimal());
        Assert.Equal(40 * 1024, cluster.GetProperty("spec").GetProperty("minVramMib").GetInt32());
        Assert.Equal("High", cluster.GetProperty("spec").GetProperty("priority").GetString());
        var held = view.GetProperty("heldTokens").GetDecimal();
        Assert.True(held >= 4.8m, $"1 GPU × 4 h at 1.20 IOSD must be escrowed, held {held}");
        Assert.Equal((100m - held, held), await IosdAsync(renter));

        // Deploying the same id and request again is safe; --wait follows it and gives up after --timeout.
        var again = await Cli([.. deploy, "--wait", "--timeout", "2"]);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("timeout", again.ErrorJson().GetProperty("kind").GetString());
        Assert.Contains("still Queued", again.ErrorJson().GetProperty("message").GetString(), StringComparison.Ordinal);
        var progress = again.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(progress);
        Assert.All(progress, line => Assert.Equal(clusterId, JsonDocument.Parse(line).RootElement.GetProperty("cluster").GetProperty("id").GetString()));
        Assert.Equal((100m - held, held), await IosdAsync(renter));

        var status = await Cli("cluster", "status", clusterId, "--json");
        var listed = await Cli("cluster", "list", "--keypair", renter, "--json");
        var explained = await Cli("cluster", "explain", clusterId, "--json");
        var table = await Cli("cluster", "status", clusterId);
        Assert.Equal(0, status.ExitCode);
        Assert.Equal(clusterId, status.Json().GetProperty("cluster").GetProperty("id").GetString());
        Assert.Equal(clusterId, Assert.Single(listed.Json().GetProperty("items").EnumerateArray()).GetProperty("cluster").GetProperty("id").GetString());
        Assert.True(explained.ExitCode == 0, explained.ToString());
        Assert.Equal(clusterId, explained.Json().GetProperty("clusterId").GetString());
        Assert.True(explained.Json().GetProperty("queuePosition").GetInt32() >= -1);
        var heldText = held.ToString("#,0.########", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"{heldText} IOSD escrowed, {heldText} IOSD still held", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("No GPUs held yet.", table.Stdout, StringComparison.Ordinal);

        // A job on the cluster waits for it; it keeps its command exactly.
        var submitted = await Cli("--json", "job", "submit", "--cluster", clusterId, "--id", jobId, "--keypair", renter,
            "--", "sh", "-c", "echo $FABRIC_RANK --flag");
        Assert.True(submitted.ExitCode == 0, submitted.ToString());
        var job = submitted.Json();
        Assert.Equal(["sh", "-c", "echo $FABRIC_RANK --flag"], job.GetProperty("command").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(clusterId, job.GetProperty("clusterId").GetString());
        Assert.Equal("Queued", job.GetProperty("status").GetString());

        var jobStatus = await Cli("job", "status", jobId, "--json");
        var jobs = await Cli("job", "list", "--keypair", renter, "--json");
        var watched = await Cli("job", "status", jobId, "--watch", "--timeout", "2", "--json");
        var logs = await Cli("job", "logs", jobId, "--json");
        var jobExplained = await Cli("job", "explain", jobId, "--json");
        Assert.Equal(submitted.Stdout, jobStatus.Stdout);
        Assert.Equal(jobId, jobs.Json().GetProperty("items")[0].GetProperty("id").GetString());
        Assert.Equal(0, watched.ExitCode);
        var update = Assert.Single(watched.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("Queued", JsonDocument.Parse(update).RootElement.GetProperty("status").GetString());
        Assert.True(logs.ExitCode == 0, logs.ToString());
        Assert.Empty(logs.Stdout.Trim());
        Assert.Equal(jobId, jobExplained.Json().GetProperty("jobId").GetString());
        Assert.Equal(clusterId, jobExplained.Json().GetProperty("clusterId").GetString());

        // Only the renter cancels the job and releases the cluster.
        var hijackedJob = await Cli("job", "cancel", jobId, "--keypair", stranger, "--json");
        var hijackedCluster = await Cli("cluster", "release", clusterId, "--keypair", stranger, "--json");
        Assert.Equal(1, hijackedJob.ExitCode);
        Assert.Equal(1, hijackedCluster.ExitCode);

        var cancelled = await Cli("job", "cancel", jobId, "--keypair", renter, "--json");
        var released = await Cli("cluster", "release", clusterId, "--keypair", renter, "--json");
        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
        Assert.Equal("Cancelled", cancelled.Json().GetProperty("status").GetString());
        Assert.True(released.ExitCode == 0, released.ToString());
        Assert.Equal("Released", released.Json().GetProperty("cluster").GetProperty("status").GetString());
        Assert.Equal(held, released.Json().GetProperty("unspentTokens").GetDecimal());
        var releasedTable = await Cli("cluster", "status", clusterId);
        Assert.Contains($"{heldText} IOSD escrowed, {heldText} IOSD returned", releasedTable.Stdout, StringComparison.Ordinal);

        // Never placed: nothing was used, the whole escrow comes back.
        Assert.Equal((100m, 0m), await IosdAsync(renter));
    }

    [Fact]
    public async Task Interrupting_a_waiting_job_submit_exits_143_and_the_job_keeps_waiting()
    {
        // A matching GPU without a worker: the job is accepted and waits, so --wait waits until it is interrupted.
        var model = await IdleModelAsync("WaitGpu");
        var renter = await FundedRenterAsync(10);
        var jobId = $"jw-{Guid.NewGuid():N}"[..15];

        await using var waiting = CliRunner.Start(fixture.WorkDir, "--json", "job", "submit", "--id", jobId, "--gpus", "1", "--model", model,
            "--max-price", "0.5", "--hours", "1", "--keypair", renter, "--wait", "--", "true");
        var progress = JsonDocument.Parse(await waiting.NextLineAsync(TimeSpan.FromSeconds(60))).RootElement;
        Assert.Equal(jobId, progress.GetProperty("id").GetString());
        Assert.Equal("Queued", progress.GetProperty("status").GetString());
        var (_, heldWhileWaiting) = await IosdAsync(renter);

        await waiting.TerminateAsync();
        var interrupted = await waiting.ExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(143, interrupted.ExitCode);
        var error = interrupted.ErrorJson();
        Assert.Equal("interrupted", error.GetProperty("kind").GetString());
        Assert.Equal(143, error.GetProperty("exitCode").GetInt32());
        Assert.Contains($"job '{jobId}' is still Queued", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("It keeps going", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        // Only the waiting stopped: the job and its escrow are as they were.
        var status = await Cli("job", "status", jobId, "--json");
        Assert.Equal("Queued", status.Json().GetProperty("status").GetString());
        Assert.True(heldWhileWaiting > 0, "the job's implicit cluster escrows its hour");
        Assert.Equal((10m - heldWhileWaiting, heldWhileWaiting), await IosdAsync(renter));

        var cancelled = await Cli("job", "cancel", jobId, "--keypair", renter, "--json");
        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
    }

    [Fact]
    public async Task An_app_embedding_the_client_stops_on_sigterm_while_it_watches_a_waiting_job()
    {
        // The client's own host must leave the program's signals alone: the sample app stops watching when its host
        // is asked to stop, says where the job stands, and exits cleanly.
        var model = await IdleModelAsync("EmbedGpu");
        var renter = await FundedRenterAsync(10);

        await using var app = CliRunner.StartProgram(Paths.PartnerAppDll, fixture.WorkDir, $"--keypair={renter}", $"--model={model}",
            "--max-price=0.5", "--watch-seconds=600");
        string submitted;
        do
        {
            submitted = await app.NextLineAsync(TimeSpan.FromSeconds(60));
        }
        while (!submitted.StartsWith("Submitted ", StringComparison.Ordinal));

        var jobId = submitted.Split(' ')[1];
        Assert.Contains("Queued", await app.NextLineAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        await app.TerminateAsync();
        var stopped = await app.ExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        Assert.Contains($"Stopped watching; {jobId} is Queued.", stopped.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stopped.Stderr, StringComparison.Ordinal);
        var cancelled = await Cli("job", "cancel", jobId, "--keypair", renter, "--json");
        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
    }

    [Fact]
    public async Task Unknown_clusters_are_refused_and_the_queue_can_be_read()
    {
        var status = await Cli("cluster", "status", "no-such-cluster", "--json");
        var explain = await Cli("cluster", "explain", "no-such-cluster", "--json");
        var queue = await Cli("queue", "--json");
        var network = await Cli("status", "--json");

        Assert.Equal(1, status.ExitCode);
        Assert.Contains("No cluster has id 'no-such-cluster'", status.ErrorJson().GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, explain.ExitCode);
        Assert.True(queue.ExitCode == 0, queue.ToString());
        Assert.True(queue.Json().GetProperty("waiting").GetInt32() >= 0);
        Assert.True(network.Json().GetProperty("clustersWaiting").GetInt32() >= 0);
    }
}
