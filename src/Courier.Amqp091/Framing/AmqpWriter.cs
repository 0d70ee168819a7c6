using System.Buffers.Binary;
using System.Text;
using Courier.Core.Messages;
using Courier.Amqp091.Mapping;

namespace Courier.Amqp091.Framing;

/// <summary>
/// Writes AMQP 0-9-1 field encodings into a span sized beforehand with the Measure* methods,
/// so a frame is written in one pass with its length known up front.
/// </summary>
public ref struct AmqpWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public AmqpWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteOctet(byte value) => _buffer[_position++] = value;

    public void WriteShort(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void WriteLong(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteLongLong(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer[_position..], value);
        _position += 8;
    }

    public void WriteTimestamp(Timestamp value) => WriteLongLong((ulong)value.UnixSeconds);

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
    }

    public void WriteShortString(string value)
    {
        var length = Encoding.UTF8.GetBytes(value, _buffer[(_position + 1)..]);
        if (length > 255)
        {
            ThrowHelper.ThrowShortStringTooLong();
        }

        _buffer[_position] = (byte)length;
        _position += 1 + length;
    }

    public void WriteLongString(ReadOnlySpan<byte> value)
    {
        WriteLong((uint)value.Length);
        WriteBytes(value);
    }

    public void WriteTable(IReadOnlyDictionary<string, object?>? table) => AmqpFieldTableCodec.WriteTable(_buffer, ref _position, table);

    public void WriteFieldValue(object? value) => AmqpFieldTableCodec.WriteValue(_buffer, ref _position, value);

    public void WriteProperties(MessageProperties properties, IReadOnlyDictionary<string, object?>? amqpOnly) =>
        AmqpPropertiesCodec.Write(_buffer, ref _position, properties, amqpOnly);

    public static int MeasureShortString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > 255)
        {
            ThrowHelper.ThrowShortStringTooLong();
        }

        return 1 + length;
    }

    public static int MeasureTable(IReadOnlyDictionary<string, object?>? table) => AmqpFieldTableCodec.MeasureTable(table);

    public static int MeasureFieldValue(object? value) => AmqpFieldTableCodec.MeasureValue(value);
}
