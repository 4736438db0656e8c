using System.Globalization;
using System.Runtime.InteropServices;
using Orleans.Storage;

namespace Fabric.Samples.PlacementBenchmark;

/// <summary>
/// Grain state kept in this process as a database provider keeps it: every write serializes the whole state with the
/// silo's grain-storage serializer and checks the ETag (a concurrent writer is refused), every read deserializes.
/// Orleans' bundled memory provider does the same through one of a few storage grains, so each read and write there
/// costs an extra grain call and a deep copy: a fifth of the CPU of a placement, which no database provider spends.
/// </summary>
/// <remarks>
/// The stored bytes live in native memory, as a database's pages live outside the silo: kept on the managed heap, each
/// write's copy survived until the next write of the same grain, so nearly every copy died old and the collector
/// compacted the oldest generation for garbage that a silo writing to a database never makes.
/// </remarks>
internal sealed unsafe class InProcessGrainStorage(IGrainStorageSerializer serializer) : IGrainStorage, IDisposable
{
    private readonly Dictionary<(string State, GrainId Grain), Slot> _states = [];
    private readonly Lock _lock = new();
    private long _etag;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        byte[] copy;
        long etag;
        lock (_lock)
        {
            if (!_states.TryGetValue((stateName, grainId), out var slot))
            {
                return Task.CompletedTask;
            }

            copy = new ReadOnlySpan<byte>(slot.Data, slot.Length).ToArray();
            etag = slot.ETag;
        }

        grainState.State = serializer.Deserialize<T>(new BinaryData(copy));
        grainState.ETag = etag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var data = serializer.Serialize(grainState.State).ToMemory().Span;
        var etag = Interlocked.Increment(ref _etag);
        var key = (stateName, grainId);
        lock (_lock)
        {
            _states.TryGetValue(key, out var slot);
            var expected = grainState.ETag;
            if (expected is null ? slot is not null : slot is null || !long.TryParse(expected, CultureInfo.InvariantCulture, out var read) || read != slot.ETag)
            {
                throw new InconsistentStateException($"The stored state of {grainId} changed since it was read.",
                    slot?.ETag.ToString(CultureInfo.InvariantCulture), expected);
            }

            if (slot is null)
            {
                slot = new Slot();
                _states.Add(key, slot);
            }

            slot.Store(data, etag);
        }

        grainState.ETag = etag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (_lock)
        {
            if (_states.Remove((stateName, grainId), out var slot))
            {
                slot.Free();
            }
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var slot in _states.Values)
            {
                slot.Free();
            }

            _states.Clear();
        }
    }

    /// <summary>One grain's stored bytes, rewritten in place: a write allocates nothing on the managed heap.</summary>
    private sealed class Slot
    {
        public byte* Data { get; private set; }

        public int Length { get; private set; }

        private int _capacity;

        public long ETag { get; private set; }

        public void Store(ReadOnlySpan<byte> data, long etag)
        {
            if (data.Length > _capacity)
            {
                Free();
                _capacity = Math.Max(data.Length, 64);
                Data = (byte*)NativeMemory.Alloc((nuint)_capacity);
            }

            data.CopyTo(new Span<byte>(Data, data.Length));
            Length = data.Length;
            ETag = etag;
        }

        public void Free()
        {
            NativeMemory.Free(Data);
            Data = null;
            _capacity = 0;
            Length = 0;
        }
    }
}
