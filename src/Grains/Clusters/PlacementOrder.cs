namespace Fabric.Clusters;

/// <summary>
/// The scheduler's order, with no Orleans in it. An entry is waiting (ready to try), placing (a try in flight) or
/// asleep (its last try found no capacity; <see cref="WakeAll"/> makes it ready again). <see cref="Next"/> picks the
/// ready entry with the highest effective priority (its priority plus one level per <paramref name="agingStep"/>
/// waited, so low priority never starves; cheap requests yield to others of the same standing), then the one whose
/// renter was served longest ago (one renter's thousand requests do not block another's one), then the oldest.
/// </summary>
public sealed class PlacementOrder(TimeSpan agingStep)
{
    private readonly Dictionary<string, RenterQueue> _renters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QueueEntry> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _placing = new(StringComparer.Ordinal);
    private readonly HashSet<string> _asleep = new(StringComparer.Ordinal);
    private long _served;

    public int Count => _entries.Count;

    public int Placing => _placing.Count;

    /// <summary>Adds an entry, or raises a known one's priority (a re-placement is urgent); either way it is ready.</summary>
    public void Add(QueueEntry entry)
    {
        if (_entries.TryGetValue(entry.ClusterId, out var known))
        {
            if (entry.Priority > known.Priority)
            {
                Remove(entry.ClusterId);
                Insert(entry with { QueuedAt = known.QueuedAt });
            }
        }
        else
        {
            Insert(entry);
        }

        _asleep.Remove(entry.ClusterId);
    }

    public void Remove(string clusterId)
    {
        if (!_entries.Remove(clusterId, out var entry))
        {
            return;
        }

        _asleep.Remove(clusterId);
        if (_renters.TryGetValue(entry.Renter, out var renter) && renter.Remove(entry) && renter.Count == 0)
        {
            _renters.Remove(entry.Renter);
        }
    }

    /// <summary>The next entry to try (now marked placing), or null when none is ready.</summary>
    public QueueEntry? Next(DateTimeOffset now)
    {
        QueueEntry? best = null;
        RenterQueue? bestRenter = null;
        var bestPriority = int.MinValue;
        foreach (var renter in _renters.Values)
        {
            if (renter.Head(_placing, _asleep) is not { } head)
            {
                continue;
            }

            var priority = Effective(head, now);
            if (priority > bestPriority
                || (priority == bestPriority && (renter.LastServed < bestRenter!.LastServed
                    || (renter.LastServed == bestRenter.LastServed && head.QueuedAt < best!.QueuedAt))))
            {
                best = head;
                bestRenter = renter;
                bestPriority = priority;
            }
        }

        if (best is not null)
        {
            bestRenter!.LastServed = ++_served;
            _placing.Add(best.ClusterId);
        }

        return best;
    }

    /// <summary>A try ended: a placed entry leaves; one that found no capacity sleeps until woken.</summary>
    public void Done(string clusterId, bool placed)
    {
        _placing.Remove(clusterId);
        if (placed)
        {
            Remove(clusterId);
        }
        else if (_entries.ContainsKey(clusterId))
        {
            _asleep.Add(clusterId);
        }
    }

    /// <summary>Makes every sleeping entry ready; false when none slept.</summary>
    public bool WakeAll()
    {
        if (_asleep.Count == 0)
        {
            return false;
        }

        _asleep.Clear();
        return true;
    }

    /// <summary>All entries in the order they would be tried now (for views; serves nobody).</summary>
    public IEnumerable<QueueEntry> Order(DateTimeOffset now) => _entries.Values
        .OrderByDescending(e => Effective(e, now))
        .ThenBy(e => _renters[e.Renter].LastServed)
        .ThenBy(e => e.QueuedAt)
        .ThenBy(e => e.ClusterId, StringComparer.Ordinal);

    /// <summary>Priority plus aging, doubled so that cheap requests sort just below others of the same standing.</summary>
    public int Effective(QueueEntry entry, DateTimeOffset now)
    {
        var aged = (int)Math.Min(100, Math.Max(0, (now - entry.QueuedAt) / agingStep));
        return ((int)entry.Priority + aged) * 2 + (entry.Cheap ? 0 : 1);
    }

    private void Insert(QueueEntry entry)
    {
        _entries[entry.ClusterId] = entry;
        if (!_renters.TryGetValue(entry.Renter, out var renter))
        {
            renter = new RenterQueue();
            _renters[entry.Renter] = renter;
        }

        renter.Add(entry);
    }

    /// <summary>One renter's entries by priority, then age.</summary>
    private sealed class RenterQueue
    {
        private readonly SortedSet<QueueEntry> _entries = new(Comparer<QueueEntry>.Create((a, b) =>
        {
            var c = ((int)b.Priority).CompareTo((int)a.Priority); // as ints: an enum's CompareTo boxes
            if (c == 0)
            {
                c = a.QueuedAt.CompareTo(b.QueuedAt);
            }

            return c != 0 ? c : string.CompareOrdinal(a.ClusterId, b.ClusterId);
        }));

        public long LastServed { get; set; }

        public int Count => _entries.Count;

        public void Add(QueueEntry entry) => _entries.Add(entry);

        public bool Remove(QueueEntry entry) => _entries.Remove(entry);

        public QueueEntry? Head(HashSet<string> placing, HashSet<string> asleep)
        {
            foreach (var entry in _entries)
            {
                if (!placing.Contains(entry.ClusterId) && !asleep.Contains(entry.ClusterId))
                {
                    return entry;
                }
            }

            return null;
        }
    }
}
