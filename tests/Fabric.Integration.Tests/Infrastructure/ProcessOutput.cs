using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fabric.Integration.Infrastructure;

/// <summary>Collects a child process's output lines and lets a test wait for a line.</summary>
public sealed class ProcessOutput
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentDictionary<TaskCompletionSource<string>, Func<string, bool>> _waiters = new();

    public void Attach(Process process)
    {
        process.OutputDataReceived += (_, e) => Add(e.Data);
        process.ErrorDataReceived += (_, e) => Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Text => string.Join(Environment.NewLine, _lines);

    /// <summary>Completes with the first line (past or future) that matches.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters[waiter] = match;
        foreach (var line in _lines)
        {
            if (match(line))
            {
                waiter.TrySetResult(line);
            }
        }

        return waiter.Task;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        foreach (var (waiter, match) in _waiters)
        {
            if (match(line))
            {
                waiter.TrySetResult(line);
                _waiters.TryRemove(waiter, out _);
            }
        }
    }
}
