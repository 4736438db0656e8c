namespace Fabric.Worker.Tests;

public sealed class WorkerCommandLineTests
{
    private static (int? ExitCode, WorkerOptions? Options, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var builder = WorkerApp.CreateBuilder(args, output, error, out var exitCode, out var options);
        return (builder is null ? exitCode : null, options, output.ToString(), error.ToString());
    }

    [Fact]
    public void Help_explains_the_worker_and_its_exit_codes()
    {
        var (exit, _, output, error) = Run("--help");

        Assert.Equal(0, exit);
        Assert.Empty(error);
        Assert.Contains("fabric-worker [options]", output, StringComparison.Ordinal);
        Assert.Contains("--simulate", output, StringComparison.Ordinal);
        Assert.Contains("Exit codes: 0 stopped, 1 bad setup", output, StringComparison.Ordinal);
        Assert.Contains("64 bad command line", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--keypair", "k.json", "--simulate")]
    [InlineData("--keypair", "k.json", "--simulate", "two", "--model", "RTX 4090")]
    [InlineData("--keypair", "k.json", "--simulate", "0", "--model", "RTX 4090")]
    [InlineData("--keypair", "k.json", "--simulate", "65", "--model", "RTX 4090")]
    [InlineData("--keypair", "k.json", "--price", "cheap")]
    [InlineData("--keypair", "k.json", "stray-argument")]
    public void Malformed_command_lines_exit_64_with_a_hint(params string[] args)
    {
        var (exit, options, _, error) = Run(args);

        Assert.Equal(WorkerExitCodes.Usage, exit);
        Assert.Null(options);
        Assert.StartsWith("fabric-worker: ", error, StringComparison.Ordinal);
        Assert.EndsWith("Run 'fabric-worker --help' for usage." + Environment.NewLine, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("No keypair: pass --keypair FILE", "--simulate", "1", "--model", "RTX 4090")]
    [InlineData("--simulate needs --model", "--keypair", "k.json", "--simulate", "2")]
    [InlineData("--model and --vram-mib describe simulated GPUs: use them with --simulate N", "--keypair", "k.json", "--model", "RTX 4090")]
    [InlineData("--model and --vram-mib describe simulated GPUs: use them with --simulate N", "--keypair", "k.json", "--vram-mib", "8192")]
    [InlineData("--model 'Prototype X' is not one the worker knows", "--keypair", "k.json", "--simulate", "1", "--model", "Prototype X")]
    [InlineData("--vram-mib 100 is outside 256 to 1048576", "--keypair", "k.json", "--simulate", "1", "--model", "RTX 4090", "--vram-mib", "100")]
    [InlineData("--gateway 'fabric.example.net' is not HOST:PORT", "--keypair", "k.json", "--gateway", "fabric.example.net")]
    [InlineData("--gateway '127.0.0.1:70000' is not HOST:PORT", "--keypair", "k.json", "--gateway", "127.0.0.1:70000")]
    [InlineData("--region 'EU West' must be lower-case", "--keypair", "k.json", "--region", "EU West")]
    [InlineData("--price -1 must be 0 to 100000", "--keypair", "k.json", "--price", "-1")]
    [InlineData("--price 0.1234567 must be 0 to 100000", "--keypair", "k.json", "--price", "0.1234567")]
    public void Invalid_settings_exit_64_naming_the_flag(string problem, params string[] args)
    {
        var (exit, _, _, error) = Run(args);

        Assert.Equal(WorkerExitCodes.Usage, exit);
        Assert.Contains("fabric-worker: " + problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Flags_become_worker_options()
    {
        var (exit, options, _, error) = Run(
            "--gateway", "10.0.0.5:30000", "-g", "fabric.example.net:30001", "--keypair", "alice.json",
            "--simulate", "3", "--model", "RTX 4090", "--vram-mib", "24000", "--region", "eu", "--price", "0.45", "--once");

        Assert.Null(exit);
        Assert.Empty(error);
        Assert.NotNull(options);
        Assert.Equal(["10.0.0.5:30000", "fabric.example.net:30001"], options.Gateways);
        Assert.Equal("alice.json", options.Keypair);
        Assert.Equal((3, "RTX 4090", (int?)24000), (options.Simulate, options.Model, options.VramMib));
        Assert.Equal(("eu", (decimal?)0.45m, true), (options.Region, options.Price, options.Once));
    }

    [Fact]
    public void Real_gpus_need_only_a_keypair()
    {
        var (exit, options, _, error) = Run("--keypair", "alice.json", "--data-dir", "/srv/fabric");

        Assert.Null(exit);
        Assert.Empty(error);
        Assert.Equal((0, "/srv/fabric", (string?)null, (decimal?)null), (options!.Simulate, options.DataDir, options.Region, options.Price));
    }
}
