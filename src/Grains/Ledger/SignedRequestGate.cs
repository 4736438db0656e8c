using Fabric.Money;
using Fabric.Wallet;

namespace Fabric.Ledger;

/// <summary>
/// The checks every signed request passes before a grain acts on it: well-formed, for this network, signed by the
/// one key allowed to act, not expired, not valid for longer than the network allows, and a signature that verifies.
/// Each failure is refused with a sentence that says which check failed.
/// </summary>
public sealed class SignedRequestGate(NetworkOptions network, TimeProvider time)
{
    /// <summary>The address that says it signed <paramref name="envelope"/> (not yet checked), or a refusal when malformed.</summary>
    public static WalletAddress SignerOf(SignedEnvelope envelope) =>
        WalletAddress.TryParse(envelope.Signer, out var signer, out var error)
            ? signer
            : throw new FabricRejectedException($"The request's signer address is malformed: {error}");

    /// <summary>Verifies <paramref name="envelope"/> as a request by <paramref name="expectedSigner"/>.</summary>
    public SignedRequest Verify(SignedEnvelope envelope, WalletAddress expectedSigner)
    {
        var signer = SignerOf(envelope);

        var request = new SignedRequest
        {
            Domain = envelope.Domain,
            NetworkId = envelope.NetworkId,
            Operation = envelope.Operation,
            Payload = envelope.Payload,
            Signer = signer,
            RequestId = envelope.RequestId,
            ExpiresAtUnixMs = envelope.ExpiresAtUnixMs,
            Signature = envelope.Signature,
        };

        var now = time.GetUtcNow();
        var verdict = request.Verify(network.Id, now, expectedSigner);
        var message = verdict switch
        {
            RequestVerification.Valid => null,
            RequestVerification.Malformed => "The request is malformed (a field is missing, too long, or the signature is not 64 bytes).",
            RequestVerification.WrongDomain => $"The request is not a Fabric request (domain '{envelope.Domain}').",
            RequestVerification.WrongNetwork => $"The request is for network '{envelope.NetworkId}', but this is '{network.Id}'.",
            RequestVerification.WrongSigner => $"The request is signed by {signer}, but only {expectedSigner} may make it.",
            RequestVerification.Expired => $"The request expired at {request.ExpiresAt:u}; sign a new one.",
            RequestVerification.BadSignature => $"The request's signature does not verify against {signer}: forged or altered.",
            _ => $"The request was refused ({verdict}).",
        };
        if (message is not null)
        {
            throw new FabricRejectedException(message);
        }

        if (request.ExpiresAt - now > network.MaxRequestLifetime)
        {
            throw new FabricRejectedException(
                $"The request stays valid until {request.ExpiresAt:u}, longer than the {network.MaxRequestLifetime.TotalMinutes:0} minutes allowed.");
        }

        return request;
    }

    /// <summary>
    /// The ledger operation id of a request: its signer and request id, so one wallet can never claim (and block)
    /// another wallet's request id.
    /// </summary>
    public static string OperationId(SignedRequest request) => $"{request.Signer}/{request.RequestId:N}";

    /// <summary>Parses a token name from a payload: "IO" or "IOSD" exactly.</summary>
    public static Token ParseToken(string token) => token switch
    {
        "IO" => Token.IO,
        "IOSD" => Token.IOSD,
        _ => throw new FabricRejectedException($"Unknown token '{token}': use IO or IOSD."),
    };

    /// <summary>Decodes a payload, turning a malformed one into a refusal.</summary>
    public static T Decode<T>(SignedRequest request, Func<ReadOnlyMemory<byte>, T> decode)
    {
        try
        {
            return decode(request.Payload);
        }
        catch (WalletException e)
        {
            // No inner exception: refusals cross the wire, and only the message means anything to the caller.
            throw new FabricRejectedException($"The {request.Operation} payload is malformed: {e.Message}");
        }
    }
}
