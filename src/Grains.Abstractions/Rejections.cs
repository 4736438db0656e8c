using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Fabric;

/// <summary>The one place a broken rule becomes a <see cref="FabricRejectedException"/>; imported with <c>using static</c>.</summary>
public static class Rejections
{
    /// <summary>Refuses the request with <paramref name="message"/> unless <paramref name="condition"/> holds.</summary>
    /// <exception cref="FabricRejectedException"><paramref name="condition"/> is false.</exception>
    public static void Require([DoesNotReturnIf(false)] bool condition, string message)
    {
        if (!condition)
        {
            throw new FabricRejectedException(message);
        }
    }

    /// <summary>
    /// Refuses the request with <paramref name="message"/> unless <paramref name="condition"/> holds. The message is
    /// formatted only for a refusal: rules are checked on every placement, and formatting their messages every time was
    /// more than a percent of a placement's CPU.
    /// </summary>
    /// <exception cref="FabricRejectedException"><paramref name="condition"/> is false.</exception>
    public static void Require([DoesNotReturnIf(false)] bool condition, [InterpolatedStringHandlerArgument(nameof(condition))] ref RejectionMessage message)
    {
        if (!condition)
        {
            throw new FabricRejectedException(message.ToStringAndClear());
        }
    }
}

/// <summary>An interpolated refusal message, formatted only when its rule is broken.</summary>
[InterpolatedStringHandler]
public ref struct RejectionMessage
{
    private DefaultInterpolatedStringHandler _text;

    public RejectionMessage(int literalLength, int formattedCount, bool condition, out bool shouldAppend)
    {
        _text = condition ? default : new DefaultInterpolatedStringHandler(literalLength, formattedCount);
        shouldAppend = !condition;
    }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

    public void AppendFormatted(ReadOnlySpan<char> value) => _text.AppendFormatted(value);

    public void AppendFormatted(string? value) => _text.AppendFormatted(value);

    internal string ToStringAndClear() => _text.ToStringAndClear();
}
