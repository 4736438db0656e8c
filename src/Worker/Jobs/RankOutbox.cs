using Fabric.Jobs;
using FabricChunk = Fabric.Jobs.LogChunk;

namespace Fabric.Worker.Jobs;

/// <summary>Sends chunks of one rank's output to its job: the chunks, whether they are all the worker still has, whether to store them now.</summary>
internal delegate Task<LogAck> SendChunks(IReadOnlyList<FabricChunk> chunks, bool resent, bool flush, CancellationToken cancellationToken);

/// <summary>
/// One rank's output on its way to its job. The job keeps output in memory and writes it about once a second, so a
/// chunk stays here until the job says it has stored it: output a silo took but had not written when it died goes
/// again to the job's next activation, which says what it lacks.
/// </summary>
/// <remarks>
/// Calls come one at a time per rank (the process's output task, the poll loop's refresh, the flush at exit). At most
/// <c>capacity</c> chunks wait; past that, the oldest ones the job already holds in memory go first (lost only if its
/// silo dies before writing them, and then recorded as lost).
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The gate's wait handle is never asked for, so it holds nothing to release; the poll loop and the exit may still be using it when the rank is forgotten.")]
internal sealed class RankOutbox(SendChunks send, int capacity, TimeProvider time)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly List<FabricChunk> _unstored = [];
    // Ticks, so the poll loop reads it whole while a send writes it.
    private long _lastAckTicks = time.GetUtcNow().UtcTicks;

    /// <summary>Chunks the job has not stored yet.</summary>
    public int Unstored
    {
        get
        {
            lock (_unstored)
            {
                return _unstored.Count;
            }
        }
    }

    /// <summary>When the job last answered.</summary>
    public DateTimeOffset LastAck => new(Interlocked.Read(ref _lastAckTicks), TimeSpan.Zero);

    /// <summary>
    /// Sends a new chunk (alone, normally; with everything unstored when the job lost some). If it fails, the chunk is
    /// forgotten, as the output task then drops it and reuses its sequence.
    /// </summary>
    public async Task SendAsync(FabricChunk chunk, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Keep(chunk);
            try
            {
                var ack = await send([chunk], resent: false, flush: false, cancellationToken);
                if (ack.Seen < chunk.Sequence)
                {
                    ack = await send(Snapshot(), resent: true, flush: false, cancellationToken);
                }

                Settle(ack);
            }
            catch
            {
                lock (_unstored)
                {
                    _unstored.Remove(chunk);
                }

                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Sends every unstored chunk again, as all there is (a gap before them was lost for good); with
    /// <paramref name="flush"/>, the job stores them before it answers. Does nothing when nothing is unstored.
    /// </summary>
    public async Task ResendAsync(bool flush, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var unstored = Snapshot();
            if (unstored.Count > 0)
            {
                Settle(await send(unstored, resent: true, flush, cancellationToken));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Keep(FabricChunk chunk)
    {
        lock (_unstored)
        {
            _unstored.Add(chunk);
        }
    }

    private List<FabricChunk> Snapshot()
    {
        lock (_unstored)
        {
            return [.. _unstored];
        }
    }

    private void Settle(LogAck ack)
    {
        lock (_unstored)
        {
            _unstored.RemoveAll(c => c.Sequence <= ack.Durable);
            var excess = _unstored.Count - capacity;
            var held = _unstored.TakeWhile(c => c.Sequence <= ack.Seen).Count();
            _unstored.RemoveRange(0, Math.Clamp(excess, 0, held));
        }

        Interlocked.Exchange(ref _lastAckTicks, time.GetUtcNow().UtcTicks);
    }
}
