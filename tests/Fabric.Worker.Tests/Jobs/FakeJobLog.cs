using Fabric.Jobs;
using FabricChunk = Fabric.Jobs.LogChunk;

namespace Fabric.Worker.Tests.Jobs;

/// <summary>
/// A job's log as the job grain keeps it: takes a rank's chunks without gaps unless resent, stores what it holds on a
/// flush (or <see cref="Store"/>), and forgets what it had not stored when its silo dies (<see cref="Crash"/>).
/// </summary>
internal sealed class FakeJobLog
{
    private readonly Lock _lock = new();
    private readonly List<string> _held = [];
    private int _storedCount;
    private long _seen = -1;
    private long _stored = -1;

    public bool Failing { get; set; }

    public long Stored
    {
        get
        {
            lock (_lock)
            {
                return _stored;
            }
        }
    }

    public string Text
    {
        get
        {
            lock (_lock)
            {
                return string.Concat(_held);
            }
        }
    }

    public void Store()
    {
        lock (_lock)
        {
            _stored = _seen;
            _storedCount = _held.Count;
        }
    }

    public void Crash()
    {
        lock (_lock)
        {
            _seen = _stored;
            _held.RemoveRange(_storedCount, _held.Count - _storedCount);
        }
    }

    public Task<LogAck> SendAsync(IReadOnlyList<FabricChunk> chunks, bool resent, bool flush, CancellationToken cancellationToken)
    {
        if (Failing)
        {
            throw new TimeoutException("the silo did not answer");
        }

        lock (_lock)
        {
            var fresh = chunks.Where(c => c.Sequence > _seen).OrderBy(c => c.Sequence).ToList();
            var lost = fresh.Count > 0 ? fresh[0].Sequence - _seen - 1 : 0;
            if (lost == 0 || resent)
            {
                if (lost > 0)
                {
                    _held.Add($"[lost {lost}]\n");
                }

                _held.AddRange(fresh.Select(c => c.Text));
                _seen = fresh.Count > 0 ? fresh[^1].Sequence : _seen;
            }

            if (flush)
            {
                _stored = _seen;
                _storedCount = _held.Count;
            }

            return Task.FromResult(new LogAck { Seen = _seen, Durable = _stored });
        }
    }
}
