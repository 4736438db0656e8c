using Fabric.Devices;

namespace Fabric.Worker.Devices;

/// <summary>Solves verification challenges (the CPU reference solver today; a CUDA one can take its place).</summary>
public interface IChallengeSolver
{
    /// <summary>Computes every leaf and the Merkle tree; cancelled when <paramref name="cancellationToken"/> fires.</summary>
    /// <exception cref="ArgumentException">The challenge is outside the protocol's limits.</exception>
    Task<ISolvedChallenge> SolveAsync(ChallengeData challenge, int parallelism, CancellationToken cancellationToken);
}

/// <summary>A solved challenge: the commitment, and openings of any leaves the silo samples.</summary>
public interface ISolvedChallenge
{
    /// <summary>The 32-byte Merkle root.</summary>
    byte[] Root { get; }

    /// <summary>Opens the leaves at <paramref name="indices"/>, in that order.</summary>
    IReadOnlyList<LeafOpeningData> Open(IReadOnlyList<int> indices);
}
