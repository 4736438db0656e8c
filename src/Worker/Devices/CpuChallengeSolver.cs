using Fabric.Devices;
using Fabric.Verification;

namespace Fabric.Worker.Devices;

/// <summary>
/// Solves with <see cref="ChallengeSolver"/>, Fabric's CPU reference solver: the hash chains run on CPU threads, not
/// on the GPU, so the measured rate reflects this machine's CPU until a GPU kernel replaces it.
/// </summary>
public sealed class CpuChallengeSolver : IChallengeSolver
{
    public Task<ISolvedChallenge> SolveAsync(ChallengeData challenge, int parallelism, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        var spec = new ChallengeSpec(challenge.Id, challenge.Seed, challenge.Leaves, challenge.Rounds, challenge.IssuedAt, challenge.Deadline);

        // A dedicated thread for the calling lane (Parallel.For adds pool threads up to the parallelism): minutes of
        // hashing must not hold a thread-pool thread the heartbeats need.
        return Task.Factory.StartNew<ISolvedChallenge>(
            () => new Solved(ChallengeSolver.Solve(spec, parallelism, cancellationToken)),
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

    private sealed class Solved(ChallengeSolution solution) : ISolvedChallenge
    {
        public byte[] Root { get; } = solution.Root.ToArray();

        public IReadOnlyList<LeafOpeningData> Open(IReadOnlyList<int> indices) =>
        [
            .. solution.Open(indices).Select(o => new LeafOpeningData
            {
                Index = o.Index,
                Leaf = o.Leaf.ToArray(),
                Path = [.. o.Path.Select(p => p.ToArray())],
            }),
        ];
    }
}
