using System.Buffers.Binary;
using System.Text;

namespace Fabric.Wallet;

/// <summary>The canonical signing bytes of a <see cref="SignedRequest"/>; the format is documented there.</summary>
internal static class RequestEncoding
{
    public const int MaxTextBytes = 128;
    public const int MaxPayloadBytes = 1024 * 1024;

    // Throws on lone surrogates instead of silently writing U+FFFD, which would let two strings sign alike.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The bytes, or null with <paramref name="problem"/> saying which field breaks the format.</summary>
    public static byte[]? Encode(SignedRequest request, out string? problem)
    {
        if (!TryText(request.Domain, "domain", out var domain, out problem)
            || !TryText(request.NetworkId, "network id", out var network, out problem)
            || !TryText(request.Operation, "operation", out var operation, out problem))
        {
            return null;
        }

        var payload = request.Payload.Span;
        if (payload.Length > MaxPayloadBytes)
        {
            problem = $"payload is {payload.Length} bytes, more than {MaxPayloadBytes}";
            return null;
        }

        if (request.ExpiresAtUnixMs <= 0)
        {
            problem = "expiry must be after 1970-01-01T00:00:00Z";
            return null;
        }

        var size = (4 * 4) + domain.Length + network.Length + operation.Length + payload.Length
            + WalletAddress.Size + 16 + 8;
        var bytes = new byte[size];
        var rest = bytes.AsSpan();
        rest = WritePrefixed(rest, domain);
        rest = WritePrefixed(rest, network);
        rest = WritePrefixed(rest, operation);
        rest = WritePrefixed(rest, payload);
        request.Signer.WriteTo(rest);
        rest = rest[WalletAddress.Size..];
        request.RequestId.TryWriteBytes(rest, bigEndian: true, out _);
        rest = rest[16..];
        BinaryPrimitives.WriteInt64BigEndian(rest, request.ExpiresAtUnixMs);

        problem = null;
        return bytes;
    }

    private static bool TryText(string? text, string field, out byte[] bytes, out string? problem)
    {
        bytes = [];
        if (string.IsNullOrEmpty(text))
        {
            problem = $"{field} is empty";
            return false;
        }

        // Bound the work before encoding: UTF-8 never takes fewer bytes than UTF-16 code units.
        if (text.Length > MaxTextBytes)
        {
            problem = $"{field} is longer than {MaxTextBytes} bytes";
            return false;
        }

        try
        {
            bytes = StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException)
        {
            problem = $"{field} is not valid Unicode text";
            return false;
        }

        if (bytes.Length > MaxTextBytes)
        {
            problem = $"{field} is longer than {MaxTextBytes} bytes";
            return false;
        }

        problem = null;
        return true;
    }

    private static Span<byte> WritePrefixed(Span<byte> destination, ReadOnlySpan<byte> field)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)field.Length);
        field.CopyTo(destination[4..]);
        return destination[(4 + field.Length)..];
    }
}
