namespace Fabric.Persistence;

/// <summary>
/// A persisted id → entry map with paged listing. The entry grain (device, job) owns the truth; the directory is a
/// read model it keeps current, written only when an entry really changes.
/// </summary>
public abstract class DirectoryGrain<T>(IPersistentState<DirectoryState<T>> state) : Grain
    where T : notnull
{
    /// <summary>The id an entry is filed under.</summary>
    protected abstract string IdOf(T entry);

    /// <summary>Orders a listing.</summary>
    protected abstract IEnumerable<T> Order(IEnumerable<T> entries);

    public async Task UpsertAsync(T entry)
    {
        var id = IdOf(entry);
        if (state.State.Entries.TryGetValue(id, out var current) && EqualityComparer<T>.Default.Equals(current, entry))
        {
            return;
        }

        await state.WriteAsync(state.State with { Entries = state.State.Entries.SetItem(id, entry) });
    }

    public Task<Page<T>> ListAsync(PageRequest page)
    {
        try
        {
            page.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FabricRejectedException(e.Message);
        }

        var entries = state.State.Entries;
        IReadOnlyList<T> items = [.. Order(entries.Values).Skip(page.Skip).Take(page.Take)];
        return Task.FromResult(new Page<T> { Items = items, Total = entries.Count });
    }

    public Task<int> CountAsync() => Task.FromResult(state.State.Entries.Count);
}
