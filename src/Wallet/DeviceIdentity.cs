using System.Security.Cryptography;
using System.Text;

namespace Fabric.Wallet;

/// <summary>
/// A device's id: derived from its owner's address and the GPU's UUID, so it is the same after every worker restart
/// and nobody but the owner can register a device under it.
/// </summary>
public static class DeviceIdentity
{
    /// <summary>"gpu-" and 32 hex digits of SHA-256("fabric-device-v1" | owner public key | UUID).</summary>
    public static string For(WalletAddress owner, string gpuUuid)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(gpuUuid);
        var uuid = Encoding.UTF8.GetBytes(gpuUuid.Trim());
        var material = new byte[16 + WalletAddress.Size + uuid.Length];
        Encoding.ASCII.GetBytes("fabric-device-v1").CopyTo(material, 0);
        owner.WriteTo(material.AsSpan(16));
        uuid.CopyTo(material, 16 + WalletAddress.Size);
        return "gpu-" + Convert.ToHexStringLower(SHA256.HashData(material))[..32];
    }
}
