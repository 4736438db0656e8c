using System.Diagnostics;
using Fabric.Rewards;

namespace Fabric.Samples.RewardBenchmark;

/// <summary>Notes when an epoch's first and last mints landed, splitting a run into plan, mints and the rest.</summary>
internal sealed class BenchProgress : IRewardProgress
{
    public long FirstMintTimestamp { get; private set; }

    public long LastMintTimestamp { get; private set; }

    public int Mints { get; private set; }

    public void Reset() => (FirstMintTimestamp, LastMintTimestamp, Mints) = (0, 0, 0);

    public ValueTask MintedAsync(string stream, long epoch, int applied, int total)
    {
        var now = Stopwatch.GetTimestamp();
        if (applied == 1)
        {
            FirstMintTimestamp = now;
        }

        LastMintTimestamp = now;
        Mints = applied;
        return ValueTask.CompletedTask;
    }
}
