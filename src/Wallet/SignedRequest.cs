namespace Fabric.Wallet;

/// <summary>
/// The signed envelope for every state-changing request: who asks (<see cref="Signer"/>), what
/// (<see cref="Operation"/> with its <see cref="Payload"/>), where (<see cref="NetworkId"/>), until when
/// (<see cref="ExpiresAtUnixMs"/>), under which unique id (<see cref="RequestId"/>), and the ed25519 signature.
/// </summary>
/// <remarks>
/// <para>The signature covers the canonical encoding below: every field except the signature, in this fixed
/// order, integers big-endian, variable-length fields prefixed with their length, so two different envelopes
/// never encode to the same bytes.</para>
/// <code>
/// u32 length | domain      UTF-8, "fabric-request-v1"      1..128 bytes
/// u32 length | network id  UTF-8                           1..128 bytes
/// u32 length | operation   UTF-8, e.g. "wallet.transfer"   1..128 bytes
/// u32 length | payload     opaque canonical payload bytes  0..1 MiB
/// 32 bytes   | signer      ed25519 public key
/// 16 bytes   | request id  Guid in RFC 9562 byte order (the order of its hex text)
/// i64        | expiry      Unix time in milliseconds, UTC, &gt; 0
/// </code>
/// <para>Text is strict UTF-8 without a BOM, as given (no normalisation); a string that is not valid UTF-16
/// cannot be encoded and the envelope is malformed. The domain tag comes first so these bytes can never be
/// mistaken for a signature over anything else (a Solana transaction, a later envelope version).</para>
/// <para>Replay protection is the receiver's: after <see cref="Verify"/> returns
/// <see cref="RequestVerification.Valid"/>, it checks the request id against a durable record of the ids it applied
/// (the ledger's operation ids; a device's seen requests, kept until they expire).</para>
/// </remarks>
public sealed record SignedRequest
{
    /// <summary>The domain tag of this envelope version.</summary>
    public const string DomainTag = "fabric-request-v1";

    public const int SignatureSize = Ed25519.SignatureSize;

    public required string Domain { get; init; }

    public required string NetworkId { get; init; }

    public required string Operation { get; init; }

    /// <summary>The operation's arguments, already in their own canonical byte form.</summary>
    public required ReadOnlyMemory<byte> Payload { get; init; }

    public required WalletAddress Signer { get; init; }

    /// <summary>Unique per request; a retry resends the same signed envelope rather than signing a new id.</summary>
    public required Guid RequestId { get; init; }

    public required long ExpiresAtUnixMs { get; init; }

    public required ReadOnlyMemory<byte> Signature { get; init; }

    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAtUnixMs);

    /// <summary>Builds and signs an envelope; a fresh random request id is used unless one is given.</summary>
    /// <exception cref="WalletException">A field is outside the limits in the remarks.</exception>
    public static SignedRequest Sign(
        Keypair signer,
        string networkId,
        string operation,
        ReadOnlyMemory<byte> payload,
        DateTimeOffset expiresAt,
        Guid? requestId = null)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(networkId);
        ArgumentNullException.ThrowIfNull(operation);

        var unsigned = new SignedRequest
        {
            Domain = DomainTag,
            NetworkId = networkId,
            Operation = operation,
            Payload = payload,
            Signer = signer.Address,
            RequestId = requestId ?? Guid.NewGuid(),
            ExpiresAtUnixMs = expiresAt.ToUnixTimeMilliseconds(),
            Signature = ReadOnlyMemory<byte>.Empty,
        };

        var bytes = RequestEncoding.Encode(unsigned, out var problem)
            ?? throw new WalletException($"Cannot sign request: {problem}.");
        return unsigned with { Signature = signer.Sign(bytes) };
    }

    /// <summary>The exact bytes the signature covers (see remarks).</summary>
    /// <exception cref="WalletException">The envelope is malformed.</exception>
    public byte[] GetSigningBytes() =>
        RequestEncoding.Encode(this, out var problem) ?? throw new WalletException($"Malformed request: {problem}.");

    /// <summary>
    /// Checks the envelope against what this receiver expects. Never throws for bad input: a hostile envelope
    /// yields a reason, not an exception.
    /// </summary>
    /// <param name="expectedNetworkId">This receiver's network.</param>
    /// <param name="now">The receiver's clock; expired when <paramref name="now"/> &gt;= expiry.</param>
    /// <param name="expectedSigner">The only party allowed to make this request (e.g. the owner of the debited
    /// wallet), or null when any signer may.</param>
    public RequestVerification Verify(string expectedNetworkId, DateTimeOffset now, WalletAddress? expectedSigner = null)
    {
        ArgumentNullException.ThrowIfNull(expectedNetworkId);

        if (Signature.Length != SignatureSize || RequestEncoding.Encode(this, out _) is not { } bytes)
        {
            return RequestVerification.Malformed;
        }

        if (!string.Equals(Domain, DomainTag, StringComparison.Ordinal))
        {
            return RequestVerification.WrongDomain;
        }

        if (!string.Equals(NetworkId, expectedNetworkId, StringComparison.Ordinal))
        {
            return RequestVerification.WrongNetwork;
        }

        if (expectedSigner is { } required && required != Signer)
        {
            return RequestVerification.WrongSigner;
        }

        if (now.ToUnixTimeMilliseconds() >= ExpiresAtUnixMs)
        {
            return RequestVerification.Expired;
        }

        return Signer.Verify(bytes, Signature.Span) ? RequestVerification.Valid : RequestVerification.BadSignature;
    }

    /// <summary>Shows the routing fields only; the payload may be large.</summary>
    public override string ToString() =>
        $"SignedRequest({Operation} by {Signer} on {NetworkId}, id {RequestId}, expires {ExpiresAt:O})";
}
