using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Fabric.Samples.PlacementBenchmark;

/// <summary>
/// What a phase allocates, by type: the runtime reports the type of the object that crosses each ~100 KB of
/// allocation, a sample proportional to the bytes each type takes. Enabled with --allocations; it costs a little.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _on;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_on || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
        {
            return;
        }

        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    public void Start()
    {
        _bytes.Clear();
        _on = true;
    }

    /// <summary>The types that took the most bytes, with their share.</summary>
    public IEnumerable<(string Type, double Share)> Stop(int top)
    {
        _on = false;
        var total = Math.Max(1, _bytes.Values.Sum());
        return _bytes.OrderByDescending(p => p.Value).Take(top).Select(p => (p.Key, (double)p.Value / total));
    }
}
