using System.Diagnostics;
using System.Text.RegularExpressions;
using Fabric.Integration.Infrastructure;

namespace Fabric.Integration;

/// <summary>
/// The newcomer's one command, <c>fabric-silo --demo</c>: the silo serves simulated GPUs through the worker's own code,
/// funds a renter, runs sample jobs on sample clusters and says so, line by line; the CLI then sees what it did, and
/// the silo keeps serving until stopped.
/// </summary>
public sealed partial class DemoTests : IDisposable
{
    private readonly string _workDir = Paths.NewTempFolder("demo");

    private string DataDir => Path.Combine(_workDir, ".fabric");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [GeneratedRegex(@"^demo: job (?<id>\S+) (?<status>succeeded|failed|cancelled) \(exit (?<exit>\S+)\)")]
    private static partial Regex JobLine();

    [Fact]
    public async Task The_demo_runs_its_sample_jobs_to_success_and_the_cli_lists_them()
    {
        var clock = Stopwatch.StartNew();
        await using var silo = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(DataDir) with { Demo = true });

        // The script's end: "demo: finished" when it ran through, or one line saying why it stopped.
        var output = await Eventually.WaitAsync(
            () => Task.FromResult(silo.Output.Text),
            text => text.Contains("demo: finished", StringComparison.Ordinal) || text.Contains("stopped:", StringComparison.Ordinal),
            TimeSpan.FromMinutes(4),
            "the demo to finish");
        var jobs = output.Split(Environment.NewLine).Select(l => JobLine().Match(l)).Where(m => m.Success).ToList();
        Assert.True(jobs.Count == 2, output);
        Assert.All(jobs, m => Assert.True(m.Groups["status"].Value == "succeeded" && m.Groups["exit"].Value == "0", output));
        Assert.Contains("demo: finished: 2 of 2 jobs succeeded", output, StringComparison.Ordinal);
        Assert.Contains("[rank 1] hello from rank 1 of 2", output, StringComparison.Ordinal);
        Assert.Contains("demo: ledger verified", output, StringComparison.Ordinal);

        // The CLI, from the same folder, finds the silo and the renter's jobs through the demo's key.
        var renterKey = Path.Combine(DataDir, "demo", "renter.json");
        var listed = await CliRunner.RunAsync(_workDir, "job", "list", "--json", "-k", renterKey);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var items = listed.Json().GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(jobs.Select(m => m.Groups["id"].Value).Order(), items.Select(j => j.GetProperty("id").GetString()!).Order());
        Assert.All(items, j =>
        {
            Assert.Equal("Succeeded", j.GetProperty("status").GetString());
            Assert.Equal(0, j.GetProperty("exitCode").GetInt32());
        });
        var clusters = await CliRunner.RunAsync(_workDir, "cluster", "list", "--json", "-k", renterKey);
        Assert.True(clusters.ExitCode == 0, clusters.ToString());
        var released = clusters.Json().GetProperty("items").EnumerateArray().Select(c => c.GetProperty("cluster")).ToList();
        Assert.Equal(2, released.Count);
        Assert.All(released, c =>
        {
            Assert.Equal("Released", c.GetProperty("status").GetString());
            Assert.True(c.GetProperty("paid").GetInt64() > 0, c.ToString());
        });

        // The silo kept serving after the script; SIGTERM (as Ctrl+C) stops it, simulated GPUs and all.
        Assert.False(silo.HasExited, silo.Output.Text);
        await silo.StopAsync();
        Assert.True(silo.HasExited);
        TestContext.Current.SendDiagnosticMessage($"demo test took {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
