using System.Collections.Immutable;
using Fabric.Governance;

namespace Fabric.Ledger;

/// <summary>
/// The configured defaults and every parameter change the ledger recorded, in sequence order: what is current, and
/// what was in force at any earlier sequence. Immutable; the ledger grain swaps in a new one after each change.
/// </summary>
public sealed class ParameterHistory
{
    private readonly ImmutableDictionary<string, long> _defaults;
    private readonly ImmutableList<ParameterChange> _changes;

    public ParameterHistory(ImmutableDictionary<string, long> defaults, IEnumerable<ParameterChange> changes)
    {
        _defaults = defaults;
        _changes = [.. changes.OrderBy(c => c.Sequence)];
        Current = ParameterCatalog.Fold(_defaults, _changes);
    }

    public NetworkParameters Current { get; }

    public IReadOnlyList<ParameterChange> Changes => _changes;

    /// <summary>The values in force just after event <paramref name="sequence"/>.</summary>
    public NetworkParameters AsOf(long sequence) =>
        _changes.Count == 0 || sequence >= _changes[^1].Sequence ? Current : ParameterCatalog.Fold(_defaults, _changes, sequence);

    public ParameterHistory With(ParameterChange change) => new(_defaults, _changes.Add(change));

    /// <summary>Fixed fees and default everything else: for planners outside a silo (tools, tests).</summary>
    public static ParameterHistory FromFees(FeeOptions fees) =>
        new(ParameterCatalog.Defaults(fees), []);

    /// <summary>Reads recorded parameter events back into changes, skipping any whose memo does not parse.</summary>
    public static IEnumerable<ParameterChange> Parse(IEnumerable<(long Sequence, string Memo)> events)
    {
        foreach (var (sequence, memo) in events)
        {
            if (ParameterCatalog.TryParseMemo(memo, out var name, out var value) && ParameterCatalog.Find(name) is not null)
            {
                yield return new ParameterChange(sequence, name, value);
            }
        }
    }
}
