using Fabric.Silo;

namespace Fabric.Tests;

public sealed class SiloConfigurationTests
{
    [Fact]
    public void Flags_become_configuration_keys()
    {
        var parsed = SiloCommandLine.Parse(["--data-dir", "/tmp/x", "--silo-port=12000", "--storage", "postgres"]);

        Assert.Null(parsed.Error);
        Assert.Equal(["--Fabric:DataDir=/tmp/x", "--Fabric:SiloPort=12000", "--Fabric:Storage:Kind=postgres"], parsed.ConfigurationArgs);
    }

    [Fact]
    public void Demo_is_a_flag_without_a_value_listed_in_the_help()
    {
        var parsed = SiloCommandLine.Parse(["--demo", "--data-dir", "/tmp/x"]);

        Assert.Null(parsed.Error);
        Assert.Equal(["--Fabric:Demo=true", "--Fabric:DataDir=/tmp/x"], parsed.ConfigurationArgs);
        Assert.Equal(["--Fabric:Demo=false"], SiloCommandLine.Parse(["--demo=false"]).ConfigurationArgs);
        Assert.Contains("--demo ", SiloCommandLine.Usage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus", "Unknown option '--bogus'")]
    [InlineData("--silo-port", "needs a value")]
    [InlineData("--gateway-port=abc", "not a port number")]
    [InlineData("--demo=soon", "--demo takes no value")]
    public void Bad_flags_are_usage_errors(string arg, string message)
    {
        var parsed = SiloCommandLine.Parse([arg]);

        Assert.Contains(message, parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_is_recognised() => Assert.True(SiloCommandLine.Parse(["--help"]).Help);

    [Fact]
    public void Defaults_are_valid() => Assert.Empty(new FabricSiloOptions().Validate());

    [Fact]
    public void Validation_names_each_bad_value()
    {
        var options = new FabricSiloOptions
        {
            SiloPort = 70_000,
            GatewayPort = 30000,
            HttpPort = 30000,
            AdvertisedAddress = "not-an-ip",
            Storage = new FabricSiloOptions.StorageSettings { Kind = "mysql" },
        };

        var problems = string.Join(" | ", options.Validate());

        Assert.Contains("--silo-port 70000 is not a TCP port", problems, StringComparison.Ordinal);
        Assert.Contains("ports must differ", problems, StringComparison.Ordinal);
        Assert.Contains("'not-an-ip' is not an IP address", problems, StringComparison.Ordinal);
        Assert.Contains("Unknown storage kind 'mysql': use 'sqlite' or 'postgres'", problems, StringComparison.Ordinal);
    }
}
