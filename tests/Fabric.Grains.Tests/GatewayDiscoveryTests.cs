using System.Net;
using Fabric.Client;
using Fabric.Storage;

namespace Fabric.Tests;

public sealed class GatewayDiscoveryTests
{
    [Fact]
    public void Static_gateways_are_parsed_and_named()
    {
        var discovery = GatewayDiscovery.From(new FabricClientOptions { Gateways = ["127.0.0.1:30000", "[::1]:30001"] });

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 30000), new IPEndPoint(IPAddress.IPv6Loopback, 30001)], discovery.Gateways);
        Assert.Null(discovery.Storage);
        Assert.Equal("gateway 127.0.0.1:30000, [::1]:30001", discovery.Description);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:")]
    [InlineData("127.0.0.1:99999")]
    [InlineData(":30000")]
    public void Malformed_gateways_are_refused(string gateway) =>
        Assert.Throws<ArgumentException>(() => GatewayDiscovery.ParseGateway(gateway));

    [Fact]
    public void Without_gateways_the_sqlite_file_of_the_data_folder_is_used()
    {
        var discovery = GatewayDiscovery.From(new FabricClientOptions { DataDir = "/srv/fabric" });

        Assert.Equal(StorageKind.Sqlite, discovery.Storage!.Kind);
        Assert.Equal("/srv/fabric/fabric.db", discovery.Storage.DatabaseFile);
        Assert.Contains("/srv/fabric/fabric.db", discovery.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void A_postgres_description_never_shows_the_password()
    {
        var storage = FabricStorage.Postgres("Host=db.internal;Port=5433;Database=fabric;Username=fabric;Password=hunter2");

        Assert.Equal("PostgreSQL database 'fabric' at db.internal:5433", storage.Description);
        Assert.DoesNotContain("hunter2", storage.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "needs a connection string")]
    [InlineData("Database=fabric", "names no Host")]
    [InlineData("Host=x;Bogus Key=1", "malformed")]
    public void Bad_postgres_settings_are_explained(string? connection, string message)
    {
        var error = Assert.Throws<FabricStorageException>(() => FabricStorage.Postgres(connection));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
