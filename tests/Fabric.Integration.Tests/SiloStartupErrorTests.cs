using System.Net;
using System.Net.Sockets;
using Fabric.Integration.Infrastructure;

namespace Fabric.Integration;

/// <summary>A bad setting stops the silo with one clear line and a non-zero exit, never a stack trace.</summary>
public sealed class SiloStartupErrorTests : IDisposable
{
    private readonly string _workDir = Paths.NewTempFolder("badcfg");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    private string[] Ports()
    {
        var ports = FreePorts.Take(3);
        return ["--data-dir", Path.Combine(_workDir, ".fabric"), "--silo-port", $"{ports[0]}", "--gateway-port", $"{ports[1]}", "--http-port", $"{ports[2]}"];
    }

    private static void AssertOneClearLine(string output, string expected)
    {
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_storage_kind_is_refused()
    {
        var (exit, output) = await SiloProcess.RunToExitAsync([.. Ports(), "--storage", "mysql"]);

        Assert.Equal(1, exit);
        AssertOneClearLine(output, "fabric-silo: Unknown storage kind 'mysql': use 'sqlite' or 'postgres'.");
    }

    [Fact]
    public async Task An_unknown_storage_kind_from_the_environment_is_refused()
    {
        var (exit, output) = await SiloProcess.RunToExitAsync(Ports(), new Dictionary<string, string> { ["FABRIC__STORAGE__KIND"] = "oracle" });

        Assert.Equal(1, exit);
        AssertOneClearLine(output, "Unknown storage kind 'oracle'");
    }

    [Fact]
    public async Task An_unreachable_postgres_is_named_without_its_password()
    {
        var port = FreePorts.Take(1)[0];

        var (exit, output) = await SiloProcess.RunToExitAsync(
            [.. Ports(), "--storage", "postgres", "--connection", $"Host=127.0.0.1;Port={port};Database=fabric;Username=u;Password=s3cret;Timeout=3"]);

        Assert.Equal(1, exit);
        AssertOneClearLine(output, $"fabric-silo: Cannot open the PostgreSQL database 'fabric' at 127.0.0.1:{port}:");
        Assert.DoesNotContain("s3cret", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_names_the_port_and_the_flag()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var ports = FreePorts.Take(2);

        var (exit, output) = await SiloProcess.RunToExitAsync(
            ["--data-dir", Path.Combine(_workDir, ".fabric"), "--silo-port", $"{ports[0]}", "--gateway-port", $"{taken}", "--http-port", $"{ports[1]}"]);

        Assert.Equal(1, exit);
        AssertOneClearLine(output, $"fabric-silo: Port {taken} on 127.0.0.1 is already in use (another silo?). Pick another with --gateway-port.");
    }

    [Fact]
    public async Task An_unwritable_data_folder_is_refused()
    {
        // A path through a regular file can never be a folder, whoever runs the test (root included).
        var file = Path.Combine(_workDir, "not-a-folder");
        await File.WriteAllTextAsync(file, "x", TestContext.Current.CancellationToken);
        var ports = FreePorts.Take(3);

        var (exit, output) = await SiloProcess.RunToExitAsync(
            ["--data-dir", Path.Combine(file, "data"), "--silo-port", $"{ports[0]}", "--gateway-port", $"{ports[1]}", "--http-port", $"{ports[2]}"]);

        Assert.Equal(1, exit);
        AssertOneClearLine(output, $"fabric-silo: Cannot write to the data folder {Path.Combine(file, "data")}:");
    }

    [Fact]
    public async Task A_non_numeric_port_in_the_environment_is_refused()
    {
        var (exit, output) = await SiloProcess.RunToExitAsync(
            ["--data-dir", Path.Combine(_workDir, ".fabric")], new Dictionary<string, string> { ["FABRIC__HTTPPORT"] = "eighty" });

        Assert.Equal(1, exit);
        AssertOneClearLine(output, "fabric-silo: Bad configuration value:");
        Assert.Contains("Fabric:HttpPort", output, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("--frobnicate")]
    [InlineData("--silo-port")]
    [InlineData("--silo-port", "eleven")]
    public async Task A_bad_command_line_exits_64(params string[] arguments)
    {
        var (exit, output) = await SiloProcess.RunToExitAsync(arguments);

        Assert.Equal(64, exit);
        Assert.StartsWith("fabric-silo: ", output, StringComparison.Ordinal);
    }
}
