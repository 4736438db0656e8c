namespace Fabric;

/// <summary>
/// A request Fabric understood and refused: bad input, a conflict, or a rule it breaks. Nothing was changed.
/// Callers show <see cref="Exception.Message"/> as is; the CLI maps it to exit code 1.
/// </summary>
[GenerateSerializer, Alias("fabric.FabricRejectedException")]
public sealed class FabricRejectedException : Exception
{
    public FabricRejectedException()
    {
    }

    public FabricRejectedException(string message) : base(message)
    {
    }

    public FabricRejectedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
