using System.Text;
using Fabric.Worker.Jobs;

namespace Fabric.Worker.Tests.Jobs;

/// <summary>Keeps every chunk; can hold the first write until released, and tells waiters when a condition holds.</summary>
internal sealed class RecordingSink : IJobLogSink
{
    private readonly Lock _lock = new();
    private readonly List<(JobLaunch Launch, LogChunk Chunk)> _chunks = [];
    private readonly List<(Func<RecordingSink, bool> Condition, TaskCompletionSource Met)> _waiters = [];

    /// <summary>When set, writes wait for it (a stuck silo).</summary>
    public Task? Gate { get; set; }

    public async ValueTask WriteAsync(JobLaunch launch, LogChunk chunk, CancellationToken cancellationToken)
    {
        if (Gate is { } gate)
        {
            await gate.WaitAsync(cancellationToken);
        }

        lock (_lock)
        {
            _chunks.Add((launch, chunk));
            foreach (var waiter in _waiters.Where(w => w.Condition(this)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Met.SetResult();
            }
        }
    }

    public IReadOnlyList<LogChunk> Chunks
    {
        get
        {
            lock (_lock)
            {
                return [.. _chunks.Select(c => c.Chunk)];
            }
        }
    }

    public IReadOnlyList<LogChunk> For(JobLaunch launch)
    {
        lock (_lock)
        {
            return [.. _chunks.Where(c => c.Launch == launch).Select(c => c.Chunk)];
        }
    }

    public string Text(LogSource source)
    {
        lock (_lock)
        {
            return string.Concat(_chunks.Where(c => c.Chunk.Stream == source).Select(c => c.Chunk.Text));
        }
    }

    /// <summary>Completes once <paramref name="condition"/> holds for what has arrived (checked on each write).</summary>
    public Task WhenAsync(Func<RecordingSink, bool> condition)
    {
        lock (_lock)
        {
            if (condition(this))
            {
                return Task.CompletedTask;
            }

            var met = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((condition, met));
            return met.Task;
        }
    }

    public override string ToString()
    {
        var all = new StringBuilder();
        foreach (var chunk in Chunks)
        {
            all.Append(chunk.Stream).Append(' ').Append(chunk.Sequence).Append(": ").Append(chunk.Text);
        }

        return all.ToString();
    }
}
