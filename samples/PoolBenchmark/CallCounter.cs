using System.Collections.Concurrent;
using System.Reflection;

namespace Fabric.Samples.PoolBenchmark;

/// <summary>Counts incoming grain calls by interface method (one dictionary lookup and one increment per call).</summary>
internal sealed class CallCounter : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<MethodInfo, Counter> _counts = new();

    public bool Enabled { get; init; } = true;

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (Enabled && context.InterfaceMethod is { } method)
        {
            Interlocked.Increment(ref _counts.GetOrAdd(method, static _ => new Counter()).Value);
        }

        return context.Invoke();
    }

    /// <summary>Calls so far, by "Interface.Method".</summary>
    public IReadOnlyDictionary<string, long> Snapshot() =>
        _counts.ToDictionary(p => $"{p.Key.DeclaringType?.Name}.{p.Key.Name}", p => Interlocked.Read(ref p.Value.Value), StringComparer.Ordinal);

    /// <summary>Calls between two snapshots, by method; methods not called are left out.</summary>
    public static IReadOnlyDictionary<string, long> Delta(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.Select(p => (p.Key, Calls: p.Value - before.GetValueOrDefault(p.Key)))
            .Where(p => p.Calls > 0)
            .OrderByDescending(p => p.Calls)
            .ToDictionary(p => p.Key, p => p.Calls, StringComparer.Ordinal);

    private sealed class Counter
    {
        public long Value;
    }
}
