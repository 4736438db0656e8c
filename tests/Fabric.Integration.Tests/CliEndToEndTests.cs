using System.Diagnostics;
using System.Text.Json;
using Fabric.Integration.Infrastructure;

namespace Fabric.Integration;

/// <summary>One real silo on SQLite for the class; the built fabric command talks to it.</summary>
public sealed class SingleSiloFixture : IAsyncLifetime
{
    public string WorkDir { get; } = Paths.NewTempFolder("cli");

    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>A supplier keypair file in the work folder, for commands that must be signed.</summary>
    public string Keypair => Path.Combine(WorkDir, "supplier.json");

    public async ValueTask InitializeAsync()
    {
        Wallet.KeypairFile.Write(Keypair, Wallet.Keypair.Generate());
        Silo = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(Path.Combine(WorkDir, ".fabric")));
    }

    public async ValueTask DisposeAsync()
    {
        await Silo.DisposeAsync();
        Directory.Delete(WorkDir, recursive: true);
    }
}

public sealed class CliEndToEndTests(SingleSiloFixture fixture) : IClassFixture<SingleSiloFixture>
{
    // Run from the silo's working folder, as a user in a second terminal would: the CLI finds ./.fabric/fabric.db.
    private Task<CliResult> Cli(params string[] arguments) => CliRunner.RunAsync(fixture.WorkDir, arguments);

    [Fact]
    public async Task Status_lists_the_silo_and_the_counts_as_json()
    {
        var result = await Cli("status", "--json");

        Assert.Equal(0, result.ExitCode);
        var json = result.Json();
        var silo = Assert.Single(json.GetProperty("silos").EnumerateArray());
        Assert.Equal("Active", silo.GetProperty("status").GetString());
        Assert.Equal(fixture.Silo.Settings.GatewayPort, silo.GetProperty("gatewayPort").GetInt32());
        Assert.Equal($"127.0.0.1:{fixture.Silo.Settings.SiloPort}", silo.GetProperty("address").GetString());
        Assert.True(json.GetProperty("devices").GetInt32() >= 0);
        Assert.True(json.GetProperty("clustersWaiting").GetInt32() >= 0);
    }

    [Fact]
    public async Task Status_as_a_table_names_the_silo_and_where_it_was_found()
    {
        var result = await Cli("status", "--gateway", fixture.Silo.Settings.Gateway);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"127.0.0.1:{fixture.Silo.Settings.SiloPort}", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Active", result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"via gateway {fixture.Silo.Settings.Gateway}", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_registered_through_the_cli_can_be_listed_and_shown()
    {
        var uuid = $"GPU-{Guid.NewGuid()}";

        var registered = await Cli("device", "register", "--gpu-uuid", uuid, "--model", "RTX 4090", "--vram-gib", "24",
            "--region", "eu", "--price", "0.45", "--simulated", "--keypair", fixture.Keypair, "--json");
        Assert.True(registered.ExitCode == 0, registered.ToString());
        var device = registered.Json().GetProperty("device");
        var id = device.GetProperty("id").GetString()!;
        var shown = await Cli("device", "show", id, "--json");
        var mine = await Cli("device", "list", "--mine", "--keypair", fixture.Keypair, "--sort", "id", "--take", "1000", "--json");

        Assert.Equal(24_576, device.GetProperty("spec").GetProperty("vramMib").GetInt32());
        Assert.Equal(450_000, device.GetProperty("spec").GetProperty("pricePerHourBaseUnits").GetInt64());
        Assert.True(device.GetProperty("spec").GetProperty("simulated").GetBoolean());
        Assert.Equal(0.45m, registered.Json().GetProperty("pricePerHourIosd").GetDecimal());
        Assert.Equal("Registered", device.GetProperty("status").GetString());
        Assert.Equal(registered.Stdout, shown.Stdout);
        Assert.Contains(mine.Json().GetProperty("items").EnumerateArray(), d => d.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task Only_the_owner_renames_reprices_pauses_and_removes_a_device()
    {
        var registered = await Cli("device", "register", "--gpu-uuid", $"GPU-{Guid.NewGuid()}", "--model", "A100", "--vram-gib", "80",
            "--region", "eu", "--price", "1.10", "--keypair", fixture.Keypair, "--json");
        var id = registered.Json().GetProperty("device").GetProperty("id").GetString()!;
        var stranger = Path.Combine(fixture.WorkDir, $"stranger-{Guid.NewGuid():N}.json");
        Wallet.KeypairFile.Write(stranger, Wallet.Keypair.Generate());

        var renamed = await Cli("device", "rename", id, "rig-1", "--keypair", fixture.Keypair, "--json");
        var hijack = await Cli("device", "price", id, "0", "--keypair", stranger, "--json");
        var repriced = await Cli("device", "price", id, "0.9", "--keypair", fixture.Keypair, "--json");
        var paused = await Cli("device", "pause", id, "--keypair", fixture.Keypair, "--json");
        var pausedList = await Cli("device", "list", "--mine", "--status", "Paused", "--keypair", fixture.Keypair, "--json");
        var removed = await Cli("device", "remove", id, "--keypair", fixture.Keypair, "--json");

        Assert.Equal("rig-1", renamed.Json().GetProperty("device").GetProperty("name").GetString());
        Assert.Equal(1, hijack.ExitCode);
        Assert.Contains("may make it", hijack.ErrorJson().GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(900_000, repriced.Json().GetProperty("device").GetProperty("spec").GetProperty("pricePerHourBaseUnits").GetInt64());
        Assert.Equal("Paused", paused.Json().GetProperty("device").GetProperty("status").GetString());
        Assert.Contains(pausedList.Json().GetProperty("items").EnumerateArray(), d => d.GetProperty("id").GetString() == id);
        Assert.Equal("Removed", removed.Json().GetProperty("device").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Pool_summary_and_watch_report_the_devices()
    {
        await Cli("device", "register", "--gpu-uuid", $"GPU-{Guid.NewGuid()}", "--model", "H100", "--vram-gib", "80",
            "--region", "us-east", "--price", "2", "--simulated", "--keypair", fixture.Keypair);

        var summary = await Cli("pool", "summary", "--json");
        var watched = await Cli("device", "watch", "--mine", "--keypair", fixture.Keypair, "--interval", "1", "--timeout", "3", "--json");

        Assert.Equal(0, summary.ExitCode);
        var counts = summary.Json();
        Assert.True(counts.GetProperty("total").GetInt32() >= 1);
        Assert.True(counts.GetProperty("byModel").GetProperty("H100").GetInt32() >= 1);
        Assert.True(counts.GetProperty("simulated").GetInt32() >= 1);
        Assert.Equal(0, watched.ExitCode);
        var refreshes = watched.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(refreshes.Length, 2, 5);
        Assert.All(refreshes, line => Assert.True(JsonDocument.Parse(line).RootElement.GetProperty("total").GetInt32() >= 1));
    }

    [Theory]
    [InlineData("must not be negative", "device", "register", "--gpu-uuid", "GPU-x", "--model", "X", "--vram-gib", "24", "--region", "eu", "--price", "-1", "--keypair", "supplier.json")]
    [InlineData("outside 256 MiB", "device", "register", "--gpu-uuid", "GPU-y", "--model", "X", "--vram-gib", "10240", "--region", "eu", "--price", "1", "--keypair", "supplier.json")]
    [InlineData("No device has id 'gpu-0'", "device", "rename", "gpu-0", "new-name", "--keypair", "supplier.json")]
    [InlineData("No device has id 'nope'", "device", "show", "nope")]
    [InlineData("No job has id 'nope'", "job", "status", "nope")]
    [InlineData("No cluster has id 'nope'", "cluster", "status", "nope")]
    [InlineData("No GPU on the network matches NoSuchGpu-9000", "cluster", "deploy", "--model", "NoSuchGpu-9000", "--hours", "1", "--keypair", "supplier.json")]
    [InlineData("No GPU on the network matches NoSuchGpu-9000", "job", "submit", "--model", "NoSuchGpu-9000", "--keypair", "supplier.json", "--", "true")]
    public async Task Rejected_requests_exit_1_with_a_clear_json_error(string message, params string[] arguments)
    {
        // --json first: after "--" it would belong to the job's command.
        var result = await Cli(["--json", .. arguments]);

        Assert.Equal(1, result.ExitCode);
        var error = result.ErrorJson();
        Assert.Equal("rejected", error.GetProperty("kind").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("device", "register", "--model", "a")]
    [InlineData("status", "--bogus")]
    [InlineData("device", "list", "--take", "many")]
    [InlineData("cluster", "deploy", "--gpus", "2")]
    [InlineData("cluster", "deploy", "--hours", "1", "--max-price", "a-lot")]
    [InlineData("job", "submit", "--cluster", "c")]
    public async Task Usage_errors_exit_64(params string[] arguments)
    {
        var result = await Cli(arguments);

        Assert.Equal(64, result.ExitCode);
        Assert.Contains("fabric --help", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_gateway_exits_2_naming_where_it_looked()
    {
        var port = FreePorts.Take(1)[0];

        var result = await Cli("status", "--gateway", $"127.0.0.1:{port}", "--json");

        Assert.Equal(2, result.ExitCode);
        var error = result.ErrorJson();
        Assert.Equal("unreachable", error.GetProperty("kind").GetString());
        Assert.Contains($"no silo answered at gateway 127.0.0.1:{port}", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_folder_without_a_database_exits_2_and_says_so()
    {
        var empty = Paths.NewTempFolder("nodb");
        try
        {
            var result = await Cli("status", "--data-dir", empty);

            Assert.Equal(2, result.ExitCode);
            Assert.Equal(
                $"fabric: Cannot reach Fabric: there is no Fabric database at {Path.Combine(empty, "fabric.db")}. Start a silo there, or pass --gateway HOST:PORT.",
                result.Stderr.Trim());
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task Help_explains_the_commands_and_exit_codes()
    {
        var result = await Cli("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Exit codes: 0 ok, 1 request rejected, 2 cannot reach Fabric, 64 bad command line, 130 interrupted", result.Stdout, StringComparison.Ordinal);
        foreach (var command in new[] { "status", "device", "cluster", "job", "queue" })
        {
            Assert.Contains(command, result.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_partner_app_sample_creates_its_keypair_and_reports_a_refusal_clearly()
    {
        // No GPU of this model exists: the network refuses the job's cluster before holding anything, and the sample
        // says so and exits 1 instead of crashing.
        var keypair = Path.Combine(fixture.WorkDir, $"partner-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = fixture.WorkDir,
        };
        start.ArgumentList.Add(Paths.PartnerAppDll);
        start.ArgumentList.Add($"--keypair={keypair}");
        start.ArgumentList.Add("--model=NoSuchGpu-9000");
        start.ArgumentList.Add("--watch-seconds=2");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        var errors = await stderr;
        Assert.True(process.ExitCode == 1, $"exit {process.ExitCode}\n{await stdout}\n{errors}");
        Assert.Contains("Fabric refused the job: No GPU on the network matches NoSuchGpu-9000", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
        Assert.True(File.Exists(keypair));
        var address = Wallet.KeypairFile.Read(keypair).Address.ToString();
        Assert.Contains($"Renter {address}", await stdout, StringComparison.Ordinal);
    }
}
