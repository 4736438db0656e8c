using System.Buffers.Binary;
using System.Text;

namespace Fabric.Wallet.Requests;

/// <summary>
/// Reads a payload written by <see cref="PayloadWriter"/>. Every read checks bounds and the reader must end exactly
/// at the end of the payload, so trailing or truncated bytes are refused instead of half-read.
/// </summary>
public ref struct PayloadReader(ReadOnlySpan<byte> payload)
{
    /// <summary>Longest string a payload field may hold.</summary>
    public const int MaxStringBytes = 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private ReadOnlySpan<byte> _rest = payload;

    public string Text(string field)
    {
        var length = BinaryPrimitives.ReadUInt32BigEndian(Take(4, field));
        if (length > MaxStringBytes)
        {
            throw new WalletException($"Payload field '{field}' is {length} bytes, more than {MaxStringBytes}.");
        }

        try
        {
            return StrictUtf8.GetString(Take((int)length, field));
        }
        catch (DecoderFallbackException e)
        {
            throw new WalletException($"Payload field '{field}' is not valid UTF-8.", e);
        }
    }

    public long Number(string field) => BinaryPrimitives.ReadInt64BigEndian(Take(8, field));

    public WalletAddress Address(string field) => WalletAddress.FromPublicKey(Take(WalletAddress.Size, field));

    /// <summary>Throws unless every byte was read.</summary>
    public readonly void End()
    {
        if (!_rest.IsEmpty)
        {
            throw new WalletException($"Payload has {_rest.Length} unexpected trailing byte(s).");
        }
    }

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (_rest.Length < count)
        {
            throw new WalletException($"Payload ends before field '{field}'.");
        }

        var taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }
}
