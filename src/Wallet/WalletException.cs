namespace Fabric.Wallet;

/// <summary>
/// A wallet input was rejected: a recovery phrase, derivation path, address, keypair file or key.
/// The message says which problem it was and never contains secret material.
/// </summary>
public sealed class WalletException : Exception
{
    public WalletException()
    {
    }

    public WalletException(string message)
        : base(message)
    {
    }

    public WalletException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
