using System.Security.Cryptography;

namespace Fabric.Verification;

/// <summary>The process-wide cryptographic generator (the default implementation is thread-safe).</summary>
internal static class SystemRandom
{
    public static RandomNumberGenerator Instance { get; } = RandomNumberGenerator.Create();
}
