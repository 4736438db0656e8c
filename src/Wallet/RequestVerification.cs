namespace Fabric.Wallet;

/// <summary>
/// Outcome of <see cref="SignedRequest.Verify"/>. When several apply, the first in this precedence is reported:
/// Malformed, WrongDomain, WrongNetwork, WrongSigner, Expired, BadSignature (cheap checks first, the signature last).
/// Values are fixed because they may be stored or sent.
/// </summary>
public enum RequestVerification
{
    /// <summary>Well formed, for this network, signed by the claimed signer, not yet expired.</summary>
    Valid = 0,

    /// <summary>The signature is not the signer's signature over these bytes (tampered or forged).</summary>
    BadSignature = 1,

    /// <summary>Signed by someone other than the party the receiver requires.</summary>
    WrongSigner = 2,

    /// <summary>The receiver's clock is at or past the expiry.</summary>
    Expired = 3,

    /// <summary>Signed for another network (e.g. a test network), so not valid here.</summary>
    WrongNetwork = 4,

    /// <summary>Not a Fabric request envelope, or another version of it.</summary>
    WrongDomain = 5,

    /// <summary>A field breaks the format: missing, too long, invalid text, non-positive expiry, or a signature not 64 bytes.</summary>
    Malformed = 6,
}
