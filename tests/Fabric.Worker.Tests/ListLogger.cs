using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Fabric.Worker.Tests;

/// <summary>Collects log lines for assertions.</summary>
public sealed class ListLogger : ILoggerProvider
{
    private readonly ConcurrentQueue<Line> _lines = new();

    public sealed record Line(string Category, LogLevel Level, string Message, Exception? Exception);

    public IReadOnlyList<Line> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<Line> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(new Line(category, logLevel, formatter(state, exception), exception));
    }
}
