using Fabric.Rewards;

namespace Fabric.Tests.Rewards;

/// <summary>Stops a distribution half-way, as a silo crash would: armed for one stream, it throws after that many mints, once.</summary>
public sealed class RewardFaults : IRewardProgress
{
    public static RewardFaults Instance { get; } = new();

    private readonly Lock _gate = new();
    private (string Stream, int AfterMints)? _armed;

    public void CrashAfter(string stream, int mints)
    {
        lock (_gate)
        {
            _armed = (stream, mints);
        }
    }

    public ValueTask MintedAsync(string stream, long epoch, int applied, int total)
    {
        lock (_gate)
        {
            if (_armed is { } armed && armed.Stream == stream && applied >= armed.AfterMints)
            {
                _armed = null;
                throw new InvalidOperationException($"injected crash after {applied} of {total} mints of epoch {epoch}");
            }
        }

        return ValueTask.CompletedTask;
    }
}
