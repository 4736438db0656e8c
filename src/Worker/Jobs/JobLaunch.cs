namespace Fabric.Worker.Jobs;

/// <summary>
/// What one rank of a job runs on this worker: the command and the coordinates a distributed program needs
/// (torchrun- and Ray-style programs read them from <c>FABRIC_*</c> variables, see <see cref="JobProcess"/>).
/// </summary>
/// <remarks>
/// A launch is identified by (<see cref="JobId"/>, <see cref="Rank"/>, <see cref="RestartCount"/>): the same triple
/// launched twice is one process (<see cref="JobRunner.LaunchAsync"/>), a higher restart count replaces the attempt.
/// </remarks>
public sealed record JobLaunch
{
    /// <summary>The job's id; also names its working folder, so it follows the job id rule (letters, digits, '-', '_', '.').</summary>
    public required string JobId { get; init; }

    public required string ClusterId { get; init; }

    /// <summary>This process's rank, 0 to <see cref="WorldSize"/> - 1.</summary>
    public required int Rank { get; init; }

    /// <summary>How many ranks the job has in all, across every worker.</summary>
    public required int WorldSize { get; init; }

    /// <summary>Where rank 0 listens for the others (host or address).</summary>
    public required string MasterAddr { get; init; }

    public required int MasterPort { get; init; }

    /// <summary>0 for the first attempt; one more each time the rank is re-placed after a failure.</summary>
    public int RestartCount { get; init; }

    /// <summary>The GPUs of this machine the process may see (nvidia-smi indices); none hides every GPU.</summary>
    public IReadOnlyList<int> GpuIndices { get; init; } = [];

    /// <summary>The program to run: a path, or a name looked up on PATH. Run as given: no shell unless this is a shell.</summary>
    public required string Program { get; init; }

    /// <summary>Passed to <see cref="Program"/> one by one, unquoted and unexpanded.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>Extra variables for the process. The <c>FABRIC_*</c> and <c>CUDA_VISIBLE_DEVICES</c> values Fabric sets win over these.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; init; } = new Dictionary<string, string>();
}
