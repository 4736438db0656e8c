namespace Fabric.Silo;

/// <summary>The silo cannot start as configured; the message says why and what to change.</summary>
public sealed class FabricStartupException : Exception
{
    public FabricStartupException()
    {
    }

    public FabricStartupException(string message) : base(message)
    {
    }

    public FabricStartupException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
