using System.Collections.Immutable;

namespace Fabric.Jobs;

/// <summary>
/// Ids newest first, each once, at most <c>kept</c> of them. The set answers "listed already?" in constant time:
/// scanning a list of a thousand ids on every addition was the largest single cost of a renter deploying at speed.
/// </summary>
internal sealed class RecentIds(ImmutableList<string> ids, int kept)
{
    private readonly HashSet<string> _listed = new(ids, StringComparer.Ordinal);

    public ImmutableList<string> Ids { get; private set; } = ids;

    /// <summary>Lists <paramref name="id"/> first unless it is listed already; the oldest beyond the bound drop off.</summary>
    public ImmutableList<string> Prepend(string id)
    {
        if (!_listed.Add(id))
        {
            return Ids;
        }

        var ids = Ids.Insert(0, id);
        while (ids.Count > kept)
        {
            _listed.Remove(ids[^1]);
            ids = ids.RemoveAt(ids.Count - 1);
        }

        return Ids = ids;
    }
}
