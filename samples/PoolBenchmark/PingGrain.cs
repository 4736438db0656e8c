namespace Fabric.Samples.PoolBenchmark;

/// <summary>The bare Orleans grain call the heartbeat rate is compared with: no state, no work, one int each way.</summary>
[Alias("bench.IPingGrain")]
public interface IPingGrain : IGrainWithStringKey
{
    [Alias("Ping")]
    Task<int> PingAsync(int value);
}

/// <summary>Answers with its argument.</summary>
public sealed class PingGrain : Grain, IPingGrain
{
    public Task<int> PingAsync(int value) => Task.FromResult(value);
}
