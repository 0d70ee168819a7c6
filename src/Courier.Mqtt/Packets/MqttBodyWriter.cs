using System.Buffers.Binary;
using System.Text;

namespace Courier.Mqtt.Packets;

/// <summary>
/// Writes MQTT data types into a span sized beforehand with the Measure methods, so a packet is
/// written in one pass with its remaining length known up front.
/// </summary>
internal ref struct MqttBodyWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public MqttBodyWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteByte(byte value) => _buffer[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteVariableByteInteger(int value) => _position += VariableByteInteger.Write(_buffer[_position..], value);

    /// <summary>Hands out the next <paramref name="count"/> bytes for another writer to fill, and moves past them.</summary>
    public Span<byte> Reserve(int count)
    {
        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer[_position..]);
        _position += bytes.Length;
    }

    public void WriteString(string value)
    {
        var length = Encoding.UTF8.GetBytes(value, _buffer[(_position + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], (ushort)length);
        _position += 2 + length;
    }

    public void WriteBinary(ReadOnlySpan<byte> value)
    {
        WriteUInt16((ushort)value.Length);
        WriteBytes(value);
    }

    /// <summary>Two-byte length plus UTF-8 bytes; a string longer than 65,535 bytes cannot be sent.</summary>
    public static int MeasureString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue)
        {
            ThrowHelper.ThrowCannotEncode("an MQTT string is at most 65,535 bytes of UTF-8");
        }

        return 2 + length;
    }

    public static int MeasureBinary(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            ThrowHelper.ThrowCannotEncode("MQTT binary data is at most 65,535 bytes");
        }

        return 2 + value.Length;
    }
}
