using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests;

/// <summary>A grain that only exists to prove reminders run through Fabric's SQLite reminder table.</summary>
[Alias("fabric.tests.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    [Alias("Start")] Task StartAsync();

    [Alias("Stop")] Task StopAsync();
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    /// <summary>Completed by the first tick of each probe, keyed by grain id.</summary>
    public static ConcurrentDictionary<string, TaskCompletionSource<string>> Ticks { get; } = new();

    public Task StartAsync() => this.RegisterOrUpdateReminder("probe", TimeSpan.Zero, TimeSpan.FromSeconds(1));

    public async Task StopAsync() => await this.UnregisterReminder((await this.GetReminder("probe"))!);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.GetOrAdd(this.GetPrimaryKeyString(), _ => new TaskCompletionSource<string>()).TrySetResult(reminderName);
        return Task.CompletedTask;
    }
}

[Collection(ClusterCollection.Name)]
public sealed class ReminderStorageTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_reminder_is_stored_in_the_sqlite_table_fires_and_is_removed_when_unregistered()
    {
        var id = $"probe-{Guid.NewGuid():N}";
        var tick = ReminderProbeGrain.Ticks.GetOrAdd(id, _ => new TaskCompletionSource<string>());
        var probe = fixture.Grains.GetGrain<IReminderProbeGrain>(id);

        await probe.StartAsync();
        Assert.Equal(1L, await CountRowsAsync(id));
        Assert.Equal("probe", await tick.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));

        await probe.StopAsync();
        Assert.Equal(0L, await CountRowsAsync(id));
    }

    private async Task<long> CountRowsAsync(string grainKey)
    {
        await using var connection = new SqliteConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM OrleansRemindersTable WHERE GrainId LIKE $key";
        command.Parameters.AddWithValue("$key", $"%{grainKey}%");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
