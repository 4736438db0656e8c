using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Fabric.Jobs;

/// <summary>
/// A renter's clusters and jobs, newest first, bounded. Additions are written in groups: one arriving while a write is
/// in flight joins the next write, so a renter submitting many jobs at once costs about one write per storage round
/// trip, not one per job, adds no waiting of its own, and each submission still returns only once it is listed durably.
/// Each write stores only the ids added since the archive was last written (see <see cref="RecentIds"/>); the archive,
/// the whole list, is written once that head reaches <see cref="HeadKept"/> ids.
/// </summary>
[Reentrant]
public sealed class RenterGrain(
    [PersistentState("renter", "fabric")] IPersistentState<RenterState> state,
    [PersistentState("renterArchive", "fabric")] IPersistentState<RenterState> archive) : Grain, IRenterGrain
{
    public const int Kept = 1000;

    /// <summary>Ids the head may hold before the next write moves them to the archive.</summary>
    public const int HeadKept = 64;

    private Task? _flush;
    private Task _lastWrite = Task.CompletedTask;

    private RecentIds? _clusters;
    private RecentIds? _jobs;

    private RecentIds Clusters => _clusters ??= new RecentIds(state.State.Clusters, archive.State.Clusters, Kept);

    private RecentIds Jobs => _jobs ??= new RecentIds(state.State.Jobs, archive.State.Jobs, Kept);

    public Task AddClusterAsync(string clusterId)
    {
        Clusters.Prepend(clusterId);
        return _flush ??= FlushAsync();
    }

    public Task AddJobAsync(string jobId)
    {
        Jobs.Prepend(jobId);
        return _flush ??= FlushAsync();
    }

    public Task<Page<string>> ClustersAsync(PageRequest page) => Task.FromResult(Slice(Clusters.Ids, page));

    public Task<Page<string>> JobsAsync(PageRequest page) => Task.FromResult(Slice(Jobs.Ids, page));

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

        var (clusters, jobs) = (Clusters, Jobs);
        if (clusters.HeadCount >= HeadKept || jobs.HeadCount >= HeadKept)
        {
            // The archive first: until the head is written without them, a crash leaves the rolled ids in both, and
            // loading lists each once.
            var rolled = (Clusters: clusters.HeadCount, Jobs: jobs.HeadCount);
            archive.State = new RenterState { Clusters = clusters.Ids, Jobs = jobs.Ids };
            await archive.WriteStateAsync();
            clusters.Rolled(rolled.Clusters);
            jobs.Rolled(rolled.Jobs);
        }

        state.State = new RenterState { Clusters = clusters.Head, Jobs = jobs.Head };
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

/// <summary>A renter's listed ids, newest first: the head (recent additions) or the archive (all of them, as last rolled).</summary>
[GenerateSerializer, Alias("fabric.RenterState")]
public sealed record RenterState
{
    [Id(0)] public ImmutableList<string> Clusters { get; init; } = [];
    [Id(1)] public ImmutableList<string> Jobs { get; init; } = [];
}
