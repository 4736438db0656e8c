using System.Globalization;
using Orleans.Storage;

namespace Fabric.Samples.PoolBenchmark;

/// <summary>
/// Diagnostic grain storage (--storage discard): every write succeeds and is forgotten; every read finds nothing.
/// What the silo holds with it is what it would hold over an out-of-process database, without the memory provider's
/// in-process copy of every state.
/// </summary>
internal sealed class DiscardGrainStorage : IGrainStorage
{
    private long _etag;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = Interlocked.Increment(ref _etag).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
