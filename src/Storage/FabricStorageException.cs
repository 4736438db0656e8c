namespace Fabric.Storage;

/// <summary>Storage is misconfigured or out of reach. The message is meant for the operator as is.</summary>
public sealed class FabricStorageException : Exception
{
    public FabricStorageException()
    {
    }

    public FabricStorageException(string message) : base(message)
    {
    }

    public FabricStorageException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
