namespace Fabric.Ledger;

/// <summary>
/// A signed request as it travels to a grain: the fields of Fabric.Wallet.SignedRequest, as plain data. The receiving
/// grain rebuilds the request and checks its signature, network, signer and expiry before acting.
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.SignedEnvelope")]
public sealed record SignedEnvelope
{
    [Id(0)] public required string Domain { get; init; }
    [Id(1)] public required string NetworkId { get; init; }
    [Id(2)] public required string Operation { get; init; }
    [Id(3)] public required byte[] Payload { get; init; }

    /// <summary>Base58 address of the signer.</summary>
    [Id(4)] public required string Signer { get; init; }
    [Id(5)] public required Guid RequestId { get; init; }
    [Id(6)] public required long ExpiresAtUnixMs { get; init; }
    [Id(7)] public required byte[] Signature { get; init; }
}
