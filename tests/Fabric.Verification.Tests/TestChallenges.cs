using System.Security.Cryptography;

namespace Fabric.Verification.Tests;

/// <summary>Small, fully determined challenges and helpers shared by the tests.</summary>
internal static class TestChallenges
{
    public static readonly DateTimeOffset IssuedAt = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan Allowed = TimeSpan.FromSeconds(10);

    /// <summary>A spec whose seed is SHA256(seedLabel), issued at <see cref="IssuedAt"/>, due 10 s later.</summary>
    public static ChallengeSpec Spec(int leaves = 256, int rounds = 4, string seedLabel = "seed") =>
        new(GuidFor(seedLabel), SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seedLabel)), leaves, rounds, IssuedAt, IssuedAt + Allowed);

    public static Guid GuidFor(string label) => new(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("id:" + label)).AsSpan(0, 16));

    /// <summary>All leaves of a spec, computed one by one (Leaves × 32 bytes).</summary>
    public static byte[] HonestLeaves(ChallengeSpec spec)
    {
        var leaves = new byte[spec.Leaves * 32];
        for (var i = 0; i < spec.Leaves; i++)
        {
            ChallengeSolver.ComputeLeaf(spec, i).CopyTo(leaves, i * 32);
        }

        return leaves;
    }

    /// <summary>Commits, samples and verifies, the root arriving <paramref name="after"/> the issue time (1 s unless given).</summary>
    public static ChallengeVerdict Answer(ChallengeSpec spec, ChallengeSolution solution, IReadOnlyList<int> requested, TimeSpan? after = null) =>
        ChallengeChecker.Verify(spec, solution.Root, requested, solution.Open(requested), spec.IssuedAt + (after ?? TimeSpan.FromSeconds(1)));
}

/// <summary>A reproducible stand-in for the system generator: SHA-256 in counter mode over a label.</summary>
internal sealed class DeterministicRandom(string label) : RandomNumberGenerator
{
    private readonly byte[] _key = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(label));
    private ulong _counter;

    public override void GetBytes(byte[] data) => GetBytes(data.AsSpan());

    public override void GetBytes(Span<byte> data)
    {
        Span<byte> block = stackalloc byte[40];
        Span<byte> output = stackalloc byte[32];
        _key.CopyTo(block);
        while (!data.IsEmpty)
        {
            BitConverter.TryWriteBytes(block[32..], _counter++);
            SHA256.HashData(block, output);
            var take = Math.Min(data.Length, output.Length);
            output[..take].CopyTo(data);
            data = data[take..];
        }
    }
}

/// <summary>Records reports synchronously (unlike <see cref="Progress{T}"/>, which posts them).</summary>
internal sealed class RecordingProgress : IProgress<double>
{
    private readonly List<double> _reports = [];

    public IReadOnlyList<double> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    public void Report(double value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }
    }
}
