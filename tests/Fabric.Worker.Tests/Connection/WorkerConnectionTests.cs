using System.Net;
using System.Net.Sockets;
using Fabric.Client;
using Fabric.Worker.Connection;
using Microsoft.Extensions.Logging;

namespace Fabric.Worker.Tests.Connection;

public sealed class WorkerConnectionTests
{
    [Fact]
    public void Given_gateways_are_used_as_they_are()
    {
        var options = WorkerConnection.ClientOptions(new WorkerOptions { Gateways = ["10.0.0.5:30000", "10.0.0.6:30000"] });

        Assert.Equal(["10.0.0.5:30000", "10.0.0.6:30000"], options.Gateways);
        Assert.False(options.ConnectOnStart);
    }

    [Fact]
    public void A_named_data_folder_is_read_for_gateways()
    {
        var options = WorkerConnection.ClientOptions(new WorkerOptions { DataDir = "/srv/fabric" });

        Assert.Empty(options.Gateways);
        Assert.Equal("/srv/fabric", options.DataDir);
    }

    [Fact]
    public void Without_gateway_or_database_the_local_default_gateway_is_used()
    {
        // The test's working folder has no .fabric/fabric.db.
        Assert.False(File.Exists(Path.Combine(".fabric", "fabric.db")));

        Assert.Equal(["127.0.0.1:30000"], WorkerConnection.ClientOptions(new WorkerOptions()).Gateways);
    }

    [Fact]
    public async Task With_once_it_gives_up_after_the_attempt_limit_logging_each_failure_once()
    {
        var logs = new ListLogger();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var options = new WorkerOptions
        {
            Gateways = [$"127.0.0.1:{ClosedPort()}"],
            Once = true,
            OnceConnectAttempts = 3,
            RetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        };
        await using var connection = new WorkerConnection(options, factory, TimeProvider.System);

        await Assert.ThrowsAsync<FabricUnreachableException>(() => connection.GetAsync(TestContext.Current.CancellationToken));

        var warnings = logs.Lines.Where(l => l.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.StartsWith($"Fabric not reachable at gateway 127.0.0.1:", w.Message, StringComparison.Ordinal));
        Assert.Contains("(attempt 1)", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains("(attempt 2)", warnings[1].Message, StringComparison.Ordinal);
        Assert.Single(logs.Lines, l => l.Level == LogLevel.Error && l.Message.Contains("after 3 attempt(s)", StringComparison.Ordinal));
        // One line each: no stack traces, and nothing from the client's own host or Orleans.
        Assert.All(logs.Lines, l => Assert.Null(l.Exception));
        Assert.All(logs.Lines, l => Assert.StartsWith("Fabric.Worker", l.Category, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_once_it_keeps_trying_until_stopped()
    {
        var logs = new ListLogger();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var options = new WorkerOptions
        {
            Gateways = [$"127.0.0.1:{ClosedPort()}"],
            RetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        };
        await using var connection = new WorkerConnection(options, factory, TimeProvider.System);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var connecting = connection.GetAsync(stop.Token);
        while (logs.Lines.Count(l => l.Level == LogLevel.Warning) < 6)
        {
            Assert.False(connecting.IsCompleted);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connecting);
    }

    [Fact]
    public void Reports_of_a_stale_generation_are_ignored()
    {
        var logs = new ListLogger();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var connection = new WorkerConnection(new WorkerOptions(), factory, TimeProvider.System);

        connection.ReportBroken(7, new TimeoutException("late"));

        Assert.Empty(logs.Lines);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
