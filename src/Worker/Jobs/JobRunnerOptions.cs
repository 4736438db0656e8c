namespace Fabric.Worker.Jobs;

/// <summary>How this worker runs job processes.</summary>
public sealed record JobRunnerOptions
{
    /// <summary>Each job works in <c>WorkRoot/JOB_ID</c> (created; shared by the ranks of a job on this machine, as a node's disk is).</summary>
    public required string WorkRoot { get; init; }

    /// <summary>A chunk is handed to the sink once this many bytes of one stream have accumulated ...</summary>
    public int ChunkBytes { get; init; } = 16 * 1024;

    /// <summary>... or once its first byte has waited this long, whichever comes first.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Chunks waiting for the sink, both streams together. Bounds the memory a process's output can take to about
    /// <c>(QueueChunks + 3) × ChunkBytes</c> (each stream also fills one chunk, the sink holds one); beyond it the oldest
    /// chunk is dropped so the process is never blocked on a slow sink, and the last output (most telling when a job
    /// fails) survives.
    /// </summary>
    public int QueueChunks { get; init; } = 64;

    /// <summary>
    /// After the process exits, how long its output pipes may stay open (held by a background child it left behind)
    /// before reading stops and the process counts as complete.
    /// </summary>
    public TimeSpan OutputGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When the worker stops and kills its ranks: how long their last output (and the calls that store it) may take
    /// to reach their jobs before the worker gives up on it.
    /// </summary>
    public TimeSpan StopDrainLimit { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Finished launches <see cref="JobRunner"/> remembers, so a repeated launch of one of them does not run it again.</summary>
    public int RememberFinished { get; init; } = 1024;

    /// <summary>
    /// Makes the worker the child subreaper (Linux) so that a process a rank leaves running outside its group (a daemon
    /// in a session of its own) is adopted, and killed once its rank has ended (<see cref="AdoptedProcesses"/>). The
    /// setting is for the whole process, so one runner per process may have it: the worker host's.
    /// </summary>
    public bool AdoptLeftBehind { get; init; }
}
