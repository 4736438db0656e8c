namespace Fabric;

/// <summary>The one place a broken rule becomes a <see cref="FabricRejectedException"/>; imported with <c>using static</c>.</summary>
public static class Rejections
{
    /// <summary>Refuses the request with <paramref name="message"/> unless <paramref name="condition"/> holds.</summary>
    /// <exception cref="FabricRejectedException"><paramref name="condition"/> is false.</exception>
    public static void Require([System.Diagnostics.CodeAnalysis.DoesNotReturnIf(false)] bool condition, string message)
    {
        if (!condition)
        {
            throw new FabricRejectedException(message);
        }
    }
}
