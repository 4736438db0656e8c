namespace Fabric.Worker.Jobs;

/// <summary>Which output of the process a chunk came from (the chunk's <c>Stream</c>).</summary>
public enum LogSource
{
    Stdout,
    Stderr,
}

/// <summary>
/// A piece of one process's output, as handed to the <see cref="IJobLogSink"/>.
/// </summary>
/// <param name="Stream">Stdout or stderr.</param>
/// <param name="Sequence">
/// 0, 1, 2, ... over both streams of one process (one launch attempt), with no gaps: the silo can persist chunks under
/// it and <c>logs -f</c> can resume after the last sequence it showed.
/// </param>
/// <param name="Text">
/// At most <see cref="JobRunnerOptions.ChunkBytes"/> bytes of output, decoded as UTF-8 (a character split across reads
/// is kept whole; invalid bytes become U+FFFD). Not split at line ends.
/// </param>
/// <param name="DroppedBytes">
/// 0 for output. More than 0 for a marker: that many bytes of this stream were dropped here because the sink did not
/// keep up, and <paramref name="Text"/> says so in a line of its own ("[fabric: N bytes of output dropped]").
/// </param>
public sealed record LogChunk(LogSource Stream, long Sequence, string Text, long DroppedBytes = 0);

/// <summary>Where a process's output goes (the integration sends it to the silo).</summary>
public interface IJobLogSink
{
    /// <summary>
    /// Takes one chunk. Called by one task per process, in sequence order. A slow sink never slows the process: output
    /// waiting for it is bounded, and the oldest is dropped (and counted in a marker chunk) when that bound is reached.
    /// An exception, or cancellation of <paramref name="cancellationToken"/> (the process is being disposed), counts the
    /// chunk as dropped; its sequence number is reused by the next chunk.
    /// </summary>
    ValueTask WriteAsync(JobLaunch launch, LogChunk chunk, CancellationToken cancellationToken);
}
