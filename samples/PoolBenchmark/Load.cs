using System.Diagnostics;

namespace Fabric.Samples.PoolBenchmark;

/// <summary>
/// Latencies in log-linear buckets: 1 µs wide up to 2 ms, then 256 per octave (under 0.4% error), so a phase of
/// millions of calls records each with one interlocked increment and no allocation.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Linear = 2048;
    private const int PerOctave = 256;
    private readonly long[] _buckets = new long[Linear + (40 * PerOctave)];
    private long _count;
    private long _sumMicros;

    public long Count => Interlocked.Read(ref _count);

    public double MeanMs => Count == 0 ? double.NaN : Interlocked.Read(ref _sumMicros) / 1000.0 / Count;

    public void Record(long elapsedTicks)
    {
        var us = (long)(elapsedTicks * 1_000_000.0 / Stopwatch.Frequency);
        Interlocked.Increment(ref _buckets[Index(us)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicros, us);
    }

    /// <summary>The latency at quantile <paramref name="q"/> (0..1), in milliseconds.</summary>
    public double PercentileMs(double q)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= rank)
            {
                return UpperMicros(i) / 1000.0;
            }
        }

        return UpperMicros(_buckets.Length - 1) / 1000.0;
    }

    public double MaxMs()
    {
        for (var i = _buckets.Length - 1; i >= 0; i--)
        {
            if (_buckets[i] > 0)
            {
                return UpperMicros(i) / 1000.0;
            }
        }

        return double.NaN;
    }

    private static int Index(long us)
    {
        if (us < Linear)
        {
            return (int)Math.Max(0, us);
        }

        var octave = 63 - (int)long.LeadingZeroCount(us); // ≥ 11
        var sub = (int)((us >> (octave - 8)) & (PerOctave - 1));
        return Math.Min(Linear + ((octave - 11) * PerOctave) + sub, Linear + (40 * PerOctave) - 1);
    }

    /// <summary>The upper edge of bucket <paramref name="index"/> in microseconds (a percentile never flatters).</summary>
    private static double UpperMicros(int index)
    {
        if (index < Linear)
        {
            return index + 1;
        }

        var octave = 11 + ((index - Linear) / PerOctave);
        var sub = (index - Linear) % PerOctave;
        return (1L << octave) + ((sub + 1) * (1L << (octave - 8)));
    }
}

/// <summary>What one measured phase did: calls, rate, latency, failures, and the process's CPU, allocation and GCs.</summary>
internal sealed record PhaseResult(
    string Name, long Calls, int Concurrency, double Seconds, double PerSecond, double MeanMs, double P50Ms, double P99Ms, double MaxMs, long Errors,
    string? FirstError, double CpuUsPerCall, double CoresBusy, double AllocatedBytesPerCall, int Gen0, int Gen1, int Gen2, double GcPausePercent,
    long LockContentions, int ThreadPoolThreads, double MachineCoresBusy, IReadOnlyDictionary<string, long> SiloCalls);

/// <summary>Process-wide counters read before and after a measured window.</summary>
internal readonly record struct ProcessSample(
    long Timestamp, TimeSpan Cpu, long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan Paused, long LockContentions, int Threads,
    double MachineBusySeconds)
{
    /// <summary>Columns of /proc/stat's cpu line that count as busy: user, nice, system, irq, softirq, steal.</summary>
    private static readonly int[] BusyColumns = [1, 2, 3, 6, 7, 8];

    /// <summary>
    /// CPU seconds the whole machine has spent busy (Linux /proc/stat: user, nice, system, irq, softirq, steal), or NaN:
    /// the difference from this process's own tells whether something else shared the cores during a phase.
    /// </summary>
    public static double MachineBusy()
    {
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var ticks = BusyColumns.Sum(i => long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture));
            return ticks / 100.0; // USER_HZ
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }

    public static ProcessSample Take()
    {
        using var self = Process.GetCurrentProcess();
        return new ProcessSample(Stopwatch.GetTimestamp(), self.TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), Monitor.LockContentionCount,
            ThreadPool.ThreadCount, MachineBusy());
    }
}

/// <summary>
/// Closed-loop load (a fixed number of callers, each sending its next call as soon as the last one returns), or open-loop
/// at a fixed rate with at most that many calls in flight.
/// </summary>
internal static class Load
{
    /// <summary>
    /// Runs <paramref name="call"/> (given a running sequence number) from <paramref name="concurrency"/> callers: first
    /// for <paramref name="warmup"/> and at least <paramref name="minWarmupCalls"/> calls, then for
    /// <paramref name="duration"/> measured. Calls finishing inside the measured window are counted; the callers never
    /// pause between the two, so the window starts in steady state.
    /// </summary>
    public static async Task<PhaseResult> TimedAsync(
        string name, int concurrency, TimeSpan warmup, long minWarmupCalls, TimeSpan duration, Func<long, Task> call, CallCounter calls,
        Action<string> progress, CancellationToken cancellationToken, double ratePerSecond = 0, bool yieldBetweenCalls = false)
    {
        var histogram = new LatencyHistogram();
        long next = -1;
        long measuring = 0; // 0 warm-up, 1 measuring, 2 stopping
        long warmupDone = 0;
        long errors = 0;
        string? firstError = null;

        var phaseStart = Stopwatch.GetTimestamp();
        async Task CallerAsync()
        {
            while (Interlocked.Read(ref measuring) < 2 && !cancellationToken.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref next);
                if (ratePerSecond > 0)
                {
                    // Open loop at a fixed rate: call n is due n / rate seconds after the start.
                    var due = TimeSpan.FromSeconds(n / ratePerSecond) - Stopwatch.GetElapsedTime(phaseStart);
                    if (due > TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(due, cancellationToken);
                    }
                }

                var started = Stopwatch.GetTimestamp();
                if (ratePerSecond <= 0 && yieldBetweenCalls)
                {
                    // Through the thread pool's global (FIFO) queue: every caller gets its turn in order, instead of
                    // a few callers' continuations running again and again from a worker's local (LIFO) queue while
                    // the rest starve. The wait for that turn counts in the latency.
                    await Task.Yield();
                }

                try
                {
                    await call(n);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    if (Interlocked.Read(ref measuring) == 1)
                    {
                        Interlocked.Increment(ref errors);
                    }

                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                    continue;
                }

                switch (Interlocked.Read(ref measuring))
                {
                    case 0:
                        Interlocked.Increment(ref warmupDone);
                        break;
                    case 1:
                        histogram.Record(Stopwatch.GetTimestamp() - started);
                        break;
                }
            }
        }

        var callers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(CallerAsync, cancellationToken)).ToArray();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < warmup || Interlocked.Read(ref warmupDone) < minWarmupCalls)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            if ((int)clock.Elapsed.TotalSeconds % 5 == 0)
            {
                progress($"  {name} warm-up: {clock.Elapsed.TotalSeconds:0} s, {Interlocked.Read(ref warmupDone):N0} calls");
            }

            if (firstError is not null && Interlocked.Read(ref warmupDone) == 0 && clock.Elapsed > TimeSpan.FromSeconds(5))
            {
                throw new BenchmarkException($"{name}: every call fails, e.g. {firstError}");
            }
        }

        var counted = calls.Snapshot();
        var before = ProcessSample.Take();
        Interlocked.Exchange(ref measuring, 1);
        await Task.Delay(duration, cancellationToken);
        Interlocked.Exchange(ref measuring, 2);
        var after = ProcessSample.Take();
        var siloCalls = CallCounter.Delta(counted, calls.Snapshot());
        await Task.WhenAll(callers);
        return Result(name, concurrency, histogram, before, after, Interlocked.Read(ref errors), firstError, siloCalls);
    }

    /// <summary>
    /// Runs <paramref name="call"/> once for each of 0..<paramref name="count"/>-1, <paramref name="concurrency"/> at a time
    /// (stopping early once <paramref name="keepGoing"/> says no).
    /// </summary>
    public static async Task<PhaseResult> EachAsync(
        string name, int count, int concurrency, Func<int, Task> call, CallCounter calls, Action<string> progress, CancellationToken cancellationToken,
        Func<bool>? keepGoing = null)
    {
        var histogram = new LatencyHistogram();
        var next = -1;
        long errors = 0;
        string? firstError = null;
        var counted = calls.Snapshot();
        var before = ProcessSample.Take();

        async Task CallerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && !cancellationToken.IsCancellationRequested && (keepGoing?.Invoke() ?? true))
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await call(i);
                    histogram.Record(Stopwatch.GetTimestamp() - started);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                }
            }
        }

        var callers = Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(CallerAsync, cancellationToken)));
        var clock = Stopwatch.StartNew();
        while (await Task.WhenAny(callers, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken)) != callers)
        {
            var done = histogram.Count + Interlocked.Read(ref errors);
            progress(count == int.MaxValue ? $"  {name}: {done:N0}" : $"  {name}: {done:N0} of {count:N0} ({done / clock.Elapsed.TotalSeconds:N0}/s)");
        }

        await callers;
        cancellationToken.ThrowIfCancellationRequested();
        var after = ProcessSample.Take();
        return Result(name, concurrency, histogram, before, after, Interlocked.Read(ref errors), firstError, CallCounter.Delta(counted, calls.Snapshot()));
    }

    private static PhaseResult Result(
        string name, int concurrency, LatencyHistogram histogram, ProcessSample before, ProcessSample after, long errors, string? firstError,
        IReadOnlyDictionary<string, long> siloCalls)
    {
        var seconds = Stopwatch.GetElapsedTime(before.Timestamp, after.Timestamp).TotalSeconds;
        var calls = Math.Max(1, histogram.Count);
        return new PhaseResult(name, histogram.Count, concurrency, seconds, histogram.Count / seconds, histogram.MeanMs, histogram.PercentileMs(0.50),
            histogram.PercentileMs(0.99), histogram.MaxMs(), errors, firstError,
            (after.Cpu - before.Cpu).TotalMicroseconds / calls, (after.Cpu - before.Cpu).TotalSeconds / seconds,
            (double)(after.Allocated - before.Allocated) / calls, after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2,
            100.0 * (after.Paused - before.Paused).TotalSeconds / seconds, after.LockContentions - before.LockContentions, after.Threads,
            (after.MachineBusySeconds - before.MachineBusySeconds) / seconds, siloCalls);
    }
}

/// <summary>A failure the benchmark explains in one message (exit code 1).</summary>
internal sealed class BenchmarkException(string message) : Exception(message);
