using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Fabric.Jobs;

/// <summary>
/// A renter's clusters and jobs, newest first, bounded. Additions are written in groups: one arriving while a write is
/// in flight joins the next write, so a renter submitting many jobs at once costs about one write per storage round
/// trip, not one per job, adds no waiting of its own, and each submission still returns only once it is listed durably.
/// </summary>
[Reentrant]
public sealed class RenterGrain(
    [PersistentState("renter", "fabric")] IPersistentState<RenterState> state) : Grain, IRenterGrain
{
    public const int Kept = 1000;

    private Task? _flush;
    private Task _lastWrite = Task.CompletedTask;

    private RecentIds? _clusters;
    private RecentIds? _jobs;

    public Task AddClusterAsync(string clusterId)
    {
        state.State = state.State with { Clusters = (_clusters ??= new RecentIds(state.State.Clusters, Kept)).Prepend(clusterId) };
        return _flush ??= FlushAsync();
    }

    public Task AddJobAsync(string jobId)
    {
        state.State = state.State with { Jobs = (_jobs ??= new RecentIds(state.State.Jobs, Kept)).Prepend(jobId) };
        return _flush ??= FlushAsync();
    }

    public Task<Page<string>> ClustersAsync(PageRequest page) => Task.FromResult(Slice(state.State.Clusters, page));

    public Task<Page<string>> JobsAsync(PageRequest page) => Task.FromResult(Slice(state.State.Jobs, page));

    private async Task FlushAsync()
    {
        // Additions made in this turn (and those queued behind it) share this write.
        await Task.Yield();
        _flush = null; // additions from here on wait for the next write
        var previous = _lastWrite;
        var write = WriteAfterAsync(previous);
        _lastWrite = write;
        await write;
    }

    // Writes never overlap (they would race on the etag); a failed one leaves the next to write everything.
    private async Task WriteAfterAsync(Task previous)
    {
        try
        {
            await previous;
        }
        catch (Exception)
        {
            // Its callers saw the failure.
        }

        await state.WriteStateAsync();
    }

    private static Page<string> Slice(ImmutableList<string> ids, PageRequest page)
    {
        try
        {
            page.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FabricRejectedException(e.Message);
        }

        return new Page<string> { Items = [.. ids.Skip(page.Skip).Take(page.Take)], Total = ids.Count };
    }
}

[GenerateSerializer, Alias("fabric.RenterState")]
public sealed record RenterState
{
    [Id(0)] public ImmutableList<string> Clusters { get; init; } = [];
    [Id(1)] public ImmutableList<string> Jobs { get; init; } = [];
}
