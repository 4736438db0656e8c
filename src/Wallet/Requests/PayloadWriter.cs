using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Fabric.Wallet.Requests;

/// <summary>
/// Writes an operation's payload in canonical form: fields in the payload type's fixed order, strings as u32 length
/// (big-endian) + strict UTF-8, integers as big-endian i64, addresses as their 32 raw bytes. One value, one encoding,
/// so what was signed is exactly what the receiver decodes.
/// </summary>
public sealed class PayloadWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public PayloadWriter Text(string value)
    {
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new WalletException($"Text '{value}' is not valid Unicode.", e);
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer.GetSpan(4), (uint)bytes.Length);
        _buffer.Advance(4);
        _buffer.Write(bytes);
        return this;
    }

    public PayloadWriter Number(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public PayloadWriter Address(WalletAddress address)
    {
        address.WriteTo(_buffer.GetSpan(WalletAddress.Size));
        _buffer.Advance(WalletAddress.Size);
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
