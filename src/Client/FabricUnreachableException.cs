namespace Fabric.Client;

/// <summary>No silo answered. The message names where the client looked; the CLI maps it to exit code 2.</summary>
public sealed class FabricUnreachableException : Exception
{
    public FabricUnreachableException()
    {
    }

    public FabricUnreachableException(string message) : base(message)
    {
    }

    public FabricUnreachableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
