using System.Globalization;
using System.Text.Json;
using Fabric.Client;
using Fabric.Devices;

namespace Fabric.Integration.Infrastructure;

/// <summary>
/// A running Fabric network as a renter and a supplier reach it: the real CLI (always with --json, pointed at the
/// network by <see cref="Where"/>), wallets funded by the network's authority key, and real fabric-worker processes
/// serving simulated GPUs. Each test names its own GPU model, so tests sharing a silo never rent each other's devices.
/// </summary>
public sealed class RentalNetwork(string workDir, string authorityKey, IReadOnlyList<string> gateways)
{
    public string WorkDir { get; } = workDir;

    /// <summary>The gateways workers connect to.</summary>
    public IReadOnlyList<string> Gateways { get; } = gateways;

    /// <summary>Global CLI options that say where Fabric is (none: the CLI finds ./.fabric/fabric.db in the work folder).</summary>
    public IReadOnlyList<string> Where { get; set; } = [];

    /// <summary>A fresh model name for one test's devices.</summary>
    public static string NewModel(string purpose) => $"{purpose}-{Guid.NewGuid():N}"[..(purpose.Length + 9)];

    /// <summary>A fresh cluster or job id.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>Runs <c>fabric --json WHERE... ARGS...</c> from the work folder.</summary>
    public Task<CliResult> Cli(params string[] arguments) => CliRunner.RunAsync(WorkDir, ["--json", .. Where, .. arguments]);

    /// <summary>Runs the CLI and asserts it succeeded.</summary>
    public async Task<CliResult> OkAsync(params string[] arguments)
    {
        var result = await Cli(arguments);
        Assert.True(result.ExitCode == 0, $"fabric {string.Join(' ', arguments)}\n{result}");
        return result;
    }

    /// <summary>A new keypair file made by <c>wallet new</c>, and its address.</summary>
    public async Task<(string File, string Address)> NewWalletAsync(string name)
    {
        var file = Path.Combine(WorkDir, $"{name}-{Guid.NewGuid():N}.json");
        var created = await OkAsync("wallet", "new", "--outfile", file);
        return (file, created.Json().GetProperty("address").GetString()!);
    }

    /// <summary>A new renter wallet holding <paramref name="iosd"/> IOSD minted by the network's authority.</summary>
    public async Task<(string File, string Address)> FundedRenterAsync(decimal iosd)
    {
        var renter = await NewWalletAsync("renter");
        await OkAsync("ledger", "mint", "--to", renter.Address, "--amount", iosd.ToString(CultureInfo.InvariantCulture),
            "--token", "IOSD", "--keypair", authorityKey);
        return renter;
    }

    /// <summary>A wallet's IOSD, available and held, as <c>wallet balance</c> shows it.</summary>
    public async Task<(decimal Available, decimal Held)> IosdAsync(string keypair)
    {
        var balance = await OkAsync("wallet", "balance", "--keypair", keypair);
        var iosd = balance.Json().GetProperty("balances").EnumerateArray().SingleOrDefault(b => b.GetProperty("token").GetString() == "IOSD");
        return iosd.ValueKind == JsonValueKind.Undefined
            ? (0m, 0m)
            : (iosd.GetProperty("availableTokens").GetDecimal(), iosd.GetProperty("heldTokens").GetDecimal());
    }

    /// <summary>Asserts <c>ledger verify</c> finds the ledger sound.</summary>
    public async Task AssertLedgerSoundAsync()
    {
        var verify = await OkAsync("ledger", "verify");
        Assert.True(verify.Json().GetProperty("ok").GetBoolean(), verify.Stdout);
    }

    /// <summary>Starts a worker serving <paramref name="gpus"/> simulated GPUs of <paramref name="model"/> for the owner's keypair.</summary>
    public WorkerProcess StartWorker(string ownerKeypair, int gpus, string model, decimal price)
    {
        var workDir = Path.Combine(WorkDir, $"worker-{Guid.NewGuid():N}"[..15]);
        return WorkerProcess.Start([
            .. Gateways.SelectMany(g => new[] { "--gateway", g }),
            "--keypair", ownerKeypair, "--simulate", gpus.ToString(CultureInfo.InvariantCulture), "--model", model,
            "--vram-mib", "24576", "--region", "eu", "--price", price.ToString(CultureInfo.InvariantCulture), "--work-dir", workDir,
            "--advertise-address", "127.0.0.1",
        ]);
    }

    /// <summary>Waits until the owner's <paramref name="count"/> devices of the model are verified, Online and free.</summary>
    public static async Task<IReadOnlyList<DeviceSummary>> WaitForDevicesAsync(FabricClient client, string owner, string model, int count)
    {
        var query = new PoolQuery
        {
            Owner = owner,
            Models = [model],
            VerifiedOnly = true,
            FreeOnly = true,
            Statuses = [DeviceStatus.Online],
            Sort = PoolSort.Id,
        };
        var page = await Eventually.WaitAsync(() => client.QueryPoolAsync(query), p => p.Items.Count == count, TimeSpan.FromSeconds(90),
            $"{count} {model} GPU(s) of {owner} registered, verified and Online");
        return page.Items;
    }

    /// <summary>The last JSON document of a stream of JSON lines (--wait, --watch).</summary>
    public static JsonElement LastLine(CliResult result) =>
        JsonDocument.Parse(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement.Clone();

    /// <summary>The chunks <c>job logs --json</c> printed, one JSON document per line.</summary>
    public static IReadOnlyList<JsonElement> Chunks(CliResult logs) =>
        [.. logs.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    /// <summary>Whether a process runs now: it has a /proc entry and is not a zombie waiting to be reaped.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ...": the state follows the last ')' (comm may contain spaces and parentheses).
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Kills a process left behind on purpose (a job orphaned by a killed worker); no error if it is gone.</summary>
    public static void KillQuietly(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}
