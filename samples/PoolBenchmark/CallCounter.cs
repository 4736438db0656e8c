using System.Collections.Concurrent;

namespace Fabric.Samples.PoolBenchmark;

/// <summary>
/// Counts incoming grain calls by method: one dictionary lookup keyed by the call's generated invokable type (whose
/// hash code is settled) and one increment per call. IIncomingGrainCallContext.InterfaceMethod is read
/// only the first time a method is seen: reading it costs a lookup of its own.
/// </summary>
internal sealed class CallCounter : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<Type, Counter> _counts = new();

    public bool Enabled { get; init; } = true;

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (Enabled)
        {
            var key = context.Request.GetType();
            if (!_counts.TryGetValue(key, out var counter))
            {
                counter = _counts.GetOrAdd(key, _ => new Counter($"{context.InterfaceMethod?.DeclaringType?.Name}.{context.MethodName}"));
            }

            Interlocked.Increment(ref counter.Value);
        }

        return context.Invoke();
    }

    /// <summary>Calls so far, by "Interface.Method".</summary>
    public IReadOnlyDictionary<string, long> Snapshot() => _counts.Values
        .GroupBy(c => c.Name, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Sum(c => Interlocked.Read(ref c.Value)), StringComparer.Ordinal);

    /// <summary>Calls between two snapshots, by method; methods not called are left out.</summary>
    public static IReadOnlyDictionary<string, long> Delta(IReadOnlyDictionary<string, long> before, IReadOnlyDictionary<string, long> after) =>
        after.Select(p => (p.Key, Calls: p.Value - before.GetValueOrDefault(p.Key)))
            .Where(p => p.Calls > 0)
            .OrderByDescending(p => p.Calls)
            .ToDictionary(p => p.Key, p => p.Calls, StringComparer.Ordinal);

    private sealed class Counter(string name)
    {
        public long Value;

        public string Name { get; } = name;
    }
}
