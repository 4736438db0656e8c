using System.Text;
using System.Threading.Channels;

namespace Fabric.Worker.Jobs;

/// <summary>
/// Reads a process's stdout and stderr concurrently into chunks and hands them to the sink in order, with bounded memory.
/// </summary>
/// <remarks>
/// Readers never wait for the sink: chunks go into a bounded queue that drops its oldest chunk when full, so a flooding
/// process keeps running at full speed and a slow or stuck sink costs at most the queue. Dropped bytes are counted per
/// stream and reported by a marker chunk placed before the next chunk the sink gets (or at the end).
/// </remarks>
internal sealed class JobOutput
{
    private static readonly LogSource[] BothSources = [LogSource.Stdout, LogSource.Stderr];

    private readonly JobLaunch _launch;
    private readonly JobRunnerOptions _options;
    private readonly IJobLogSink _sink;
    private readonly TimeProvider _time;
    private readonly Channel<Pending> _queue;
    private readonly long[] _dropped = new long[2];
    private readonly bool[] _endsLine = [true, true];
    private long _totalDropped;
    private long _totalRead;
    private long _nextSequence;

    // How the two streams end: whether each has, what each had left unsent (see EndAsync).
    private readonly Lock _ends = new();
    private readonly bool[] _ended = new bool[2];
    private readonly Pending?[] _left = new Pending?[2];
    private readonly TaskCompletionSource _bothEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public JobOutput(JobLaunch launch, JobRunnerOptions options, IJobLogSink sink, TimeProvider time)
    {
        _launch = launch;
        _options = options;
        _sink = sink;
        _time = time;
        _queue = Channel.CreateBounded<Pending>(
            new BoundedChannelOptions(options.QueueChunks) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            dropped => CountDropped(dropped.Stream, dropped.Bytes));
    }

    /// <summary>Bytes read from the process, both streams.</summary>
    public long ReadBytes => Interlocked.Read(ref _totalRead);

    /// <summary>Bytes the sink never got, both streams.</summary>
    public long DroppedBytes => Interlocked.Read(ref _totalDropped);

    /// <summary>Reads both streams to their end (or until <paramref name="stop"/>), then closes the queue.</summary>
    public async Task ReadAsync(Stream stdout, Stream stderr, CancellationToken stop)
    {
        try
        {
            await Task.WhenAll(ReadAsync(stdout, LogSource.Stdout, stop), ReadAsync(stderr, LogSource.Stderr, stop));
        }
        finally
        {
            _queue.Writer.TryComplete();
        }
    }

    /// <summary>Hands queued chunks to the sink until the readers are done and the queue is empty.</summary>
    public async Task DrainAsync(CancellationToken sinkCancel)
    {
        await foreach (var pending in _queue.Reader.ReadAllAsync(CancellationToken.None))
        {
            await ReportDroppedAsync(sinkCancel);
            if (!await DeliverAsync(pending.Stream, pending.Text, 0, sinkCancel))
            {
                CountDropped(pending.Stream, pending.Bytes);
            }
        }

        await ReportDroppedAsync(sinkCancel);
    }

    private async Task ReadAsync(Stream stream, LogSource which, CancellationToken stop)
    {
        var buffer = new byte[_options.ChunkBytes];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
        var text = new StringBuilder();
        var bytes = 0;
        var firstByteAt = 0L;
        Task<int>? read = null;
        try
        {
            while (true)
            {
                // Only as much as still fits the chunk, so no chunk is over ChunkBytes.
                read ??= stream.ReadAsync(buffer.AsMemory(0, _options.ChunkBytes - bytes), stop).AsTask();
                if (bytes > 0 && !await ArrivesWithinAsync(read, _options.FlushInterval - _time.GetElapsedTime(firstByteAt), stop))
                {
                    Flush();
                    continue;
                }

                var n = await read;
                read = null;
                if (n == 0)
                {
                    break;
                }

                Interlocked.Add(ref _totalRead, n);
                if (bytes == 0)
                {
                    firstByteAt = _time.GetTimestamp();
                }

                text.Append(chars, 0, decoder.GetChars(buffer, 0, n, chars, 0, flush: false));
                bytes += n;
                if (bytes == _options.ChunkBytes)
                {
                    Flush();
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Reading stopped: the process is gone but something it left behind holds the pipe open.
        }
        catch (IOException)
        {
            // The pipe broke: there is nothing more to read.
        }

        text.Append(chars, 0, decoder.GetChars(buffer, 0, 0, chars, 0, flush: true));
        await EndAsync(which, text.Length > 0 || bytes > 0 ? new Pending(which, text.ToString(), bytes, firstByteAt) : null, stop);

        void Flush()
        {
            if (text.Length > 0 || bytes > 0)
            {
                _queue.Writer.TryWrite(new Pending(which, text.ToString(), bytes, firstByteAt));
            }

            text.Clear();
            bytes = 0;
        }
    }

    /// <summary>
    /// A stream has ended with <paramref name="left"/> unsent. A process's exit ends both streams at once, and each
    /// holds its last lines: they go in the order their first bytes came (what a terminal would have shown), so the
    /// first stream to end waits for the other, but no longer than its chunk would have waited anyway.
    /// </summary>
    private async Task EndAsync(LogSource which, Pending? left, CancellationToken stop)
    {
        lock (_ends)
        {
            _ended[(int)which] = true;
            _left[(int)which] = left;
            if (_ended[0] && _ended[1])
            {
                FlushLeftLocked();
                _bothEnded.TrySetResult();
                return;
            }
        }

        if (left is not { } chunk)
        {
            return;
        }

        var wait = _options.FlushInterval - _time.GetElapsedTime(chunk.FirstByteAt);
        if (wait > TimeSpan.Zero)
        {
            using var cancelDelay = CancellationTokenSource.CreateLinkedTokenSource(stop);
            await Task.WhenAny(_bothEnded.Task, Task.Delay(wait, _time, cancelDelay.Token));
            await cancelDelay.CancelAsync();
        }

        lock (_ends)
        {
            FlushLeftLocked();
        }
    }

    private void FlushLeftLocked()
    {
        foreach (var chunk in _left.OfType<Pending>().OrderBy(c => c.FirstByteAt))
        {
            _queue.Writer.TryWrite(chunk);
        }

        Array.Clear(_left);
    }

    /// <summary>True once <paramref name="read"/> completes, false if <paramref name="wait"/> passes first.</summary>
    private async Task<bool> ArrivesWithinAsync(Task<int> read, TimeSpan wait, CancellationToken stop)
    {
        if (read.IsCompleted)
        {
            return true;
        }

        if (wait <= TimeSpan.Zero)
        {
            return false;
        }

        using var cancelDelay = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var delay = Task.Delay(wait, _time, cancelDelay.Token);
        var first = await Task.WhenAny(read, delay);
        await cancelDelay.CancelAsync();
        return first == read;
    }

    private async Task ReportDroppedAsync(CancellationToken sinkCancel)
    {
        foreach (var which in BothSources)
        {
            var dropped = Interlocked.Exchange(ref _dropped[(int)which], 0);
            if (dropped == 0)
            {
                continue;
            }

            // The marker is a line of its own, even when the output before it stopped mid-line.
            var text = $"{(_endsLine[(int)which] ? "" : "\n")}[fabric: {dropped} bytes of output dropped]\n";
            if (!await DeliverAsync(which, text, dropped, sinkCancel))
            {
                Interlocked.Add(ref _dropped[(int)which], dropped);
            }
        }
    }

    private async Task<bool> DeliverAsync(LogSource which, string text, long droppedBytes, CancellationToken sinkCancel)
    {
        if (sinkCancel.IsCancellationRequested)
        {
            return false;
        }

        try
        {
            await _sink.WriteAsync(_launch, new LogChunk(which, _nextSequence, text, droppedBytes), sinkCancel);
        }
#pragma warning disable CA1031 // A failing sink must not stop the process's output from being read (it counts as dropped).
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }

        _nextSequence++;
        if (text.Length > 0)
        {
            _endsLine[(int)which] = text[^1] == '\n';
        }

        return true;
    }

    private void CountDropped(LogSource which, long bytes)
    {
        Interlocked.Add(ref _dropped[(int)which], bytes);
        Interlocked.Add(ref _totalDropped, bytes);
    }

    /// <summary>A chunk for the sink, and when its first byte was read (a timestamp of the output's time provider).</summary>
    private readonly record struct Pending(LogSource Stream, string Text, int Bytes, long FirstByteAt);
}
