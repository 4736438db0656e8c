using System.Collections.Immutable;

namespace Fabric.Jobs;

/// <summary>
/// Ids newest first, each once, at most <c>kept</c> of them, stored in two parts: the <see cref="Head"/>, the ids added
/// since the last <see cref="Rolled"/>, written on every addition; and an archive of all of them, written only when the
/// head has grown. Writing the whole list per addition serialized a thousand ids for each deploy of a busy renter;
/// the head keeps that write to a few dozen. The set answers "listed already?" in constant time.
/// </summary>
internal sealed class RecentIds
{
    private readonly int _kept;
    private readonly HashSet<string> _listed = new(StringComparer.Ordinal);

    /// <param name="head">The stored head, newest first.</param>
    /// <param name="archive">The stored archive, newest first; it may repeat head ids (a roll that crashed before the head was written).</param>
    /// <param name="kept">How many ids are listed at most; older ones drop off.</param>
    public RecentIds(ImmutableList<string> head, ImmutableList<string> archive, int kept)
    {
        _kept = kept;
        var ids = ImmutableList.CreateBuilder<string>();
        foreach (var id in head)
        {
            if (ids.Count < kept && _listed.Add(id))
            {
                ids.Add(id);
            }
        }

        HeadCount = ids.Count;
        foreach (var id in archive)
        {
            if (ids.Count < kept && _listed.Add(id))
            {
                ids.Add(id);
            }
        }

        Ids = ids.ToImmutable();
    }

    public ImmutableList<string> Ids { get; private set; }

    /// <summary>How many of the newest ids are not in the archive yet.</summary>
    public int HeadCount { get; private set; }

    /// <summary>The ids not in the archive yet, newest first: what the small, often written part stores.</summary>
    public ImmutableList<string> Head => HeadCount == Ids.Count ? Ids : Ids.GetRange(0, HeadCount);

    /// <summary>Lists <paramref name="id"/> first unless it is listed already; the oldest beyond the bound drop off.</summary>
    public ImmutableList<string> Prepend(string id)
    {
        if (!_listed.Add(id))
        {
            return Ids;
        }

        var ids = Ids.Insert(0, id);
        while (ids.Count > _kept)
        {
            _listed.Remove(ids[^1]);
            ids = ids.RemoveAt(ids.Count - 1);
        }

        HeadCount = Math.Min(HeadCount + 1, ids.Count);
        return Ids = ids;
    }

    /// <summary>
    /// The archive now holds the list as it was when <paramref name="headCount"/> ids were in the head: those leave the
    /// head; ids added since stay in it.
    /// </summary>
    public void Rolled(int headCount) => HeadCount = Math.Max(0, HeadCount - headCount);
}
