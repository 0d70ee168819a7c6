using System.Buffers.Binary;
using System.Text;
using Courier.Core.Messages;

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

    public void WriteTable(IReadOnlyDictionary<string, object?>? table)
    {
        var lengthAt = _position;
        _position += 4;
        if (table is not null)
        {
            foreach (var (key, value) in table)
            {
                WriteShortString(key);
                WriteFieldValue(value);
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer[lengthAt..], (uint)(_position - lengthAt - 4));
    }

    private void WriteArray(IReadOnlyList<object?> list)
    {
        var lengthAt = _position;
        _position += 4;
        for (var i = 0; i < list.Count; i++)
        {
            WriteFieldValue(list[i]);
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer[lengthAt..], (uint)(_position - lengthAt - 4));
    }

    public void WriteFieldValue(object? value)
    {
        switch (value)
        {
            case null: WriteOctet((byte)'V'); break;
            case bool v: WriteOctet((byte)'t'); WriteOctet(v ? (byte)1 : (byte)0); break;
            case sbyte v: WriteOctet((byte)'b'); WriteOctet((byte)v); break;
            case byte v: WriteOctet((byte)'B'); WriteOctet(v); break;
            case short v: WriteOctet((byte)'s'); WriteShort((ushort)v); break;
            case ushort v: WriteOctet((byte)'u'); WriteShort(v); break;
            case int v: WriteOctet((byte)'I'); WriteLong((uint)v); break;
            case uint v: WriteOctet((byte)'i'); WriteLong(v); break;
            case long v: WriteOctet((byte)'l'); WriteLongLong((ulong)v); break;
            case float v: WriteOctet((byte)'f'); WriteLong((uint)BitConverter.SingleToInt32Bits(v)); break;
            case double v: WriteOctet((byte)'d'); WriteLongLong((ulong)BitConverter.DoubleToInt64Bits(v)); break;
            case decimal v: WriteDecimal(v); break;
            case string v:
                {
                    WriteOctet((byte)'S');
                    var length = Encoding.UTF8.GetBytes(v, _buffer[(_position + 4)..]);
                    WriteLong((uint)length);
                    _position += length;
                    break;
                }

            case byte[] v: WriteOctet((byte)'S'); WriteLongString(v); break;
            case BinaryValue v: WriteOctet((byte)'x'); WriteLongString(v.Bytes); break;
            case Timestamp v: WriteOctet((byte)'T'); WriteTimestamp(v); break;
            case IReadOnlyDictionary<string, object?> v: WriteOctet((byte)'F'); WriteTable(v); break;
            case IReadOnlyList<object?> v: WriteOctet((byte)'A'); WriteArray(v); break;
            default: throw new ArgumentException($"a table cannot carry a value of type {value.GetType()}");
        }
    }

    private void WriteDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var negative = bits[3] < 0;
        var magnitude = (uint)bits[0];
        if (bits[1] != 0 || bits[2] != 0 || magnitude > (negative ? 0x80000000u : int.MaxValue))
        {
            throw new ArgumentException("an AMQP decimal holds a signed 32-bit unscaled value");
        }

        var scale = (byte)((bits[3] >> 16) & 0xFF);
        WriteOctet((byte)'D');
        WriteOctet(scale);
        WriteLong(negative ? unchecked((uint)-(long)magnitude) : magnitude);
    }

    public static int MeasureShortString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > 255)
        {
            ThrowHelper.ThrowShortStringTooLong();
        }

        return 1 + length;
    }

    public static int MeasureTable(IReadOnlyDictionary<string, object?>? table)
    {
        var size = 4;
        if (table is not null)
        {
            foreach (var (key, value) in table)
            {
                size += MeasureShortString(key) + MeasureFieldValue(value);
            }
        }

        return size;
    }

    public static int MeasureFieldValue(object? value) => 1 + value switch
    {
        null => 0,
        bool or sbyte or byte => 1,
        short or ushort => 2,
        int or uint or float => 4,
        long or double => 8,
        decimal => 5,
        string v => 4 + Encoding.UTF8.GetByteCount(v),
        byte[] v => 4 + v.Length,
        BinaryValue v => 4 + v.Bytes.Length,
        Timestamp => 8,
        IReadOnlyDictionary<string, object?> v => MeasureTable(v),
        IReadOnlyList<object?> v => MeasureArray(v),
        _ => throw new ArgumentException($"a table cannot carry a value of type {value.GetType()}"),
    };

    private static int MeasureArray(IReadOnlyList<object?> list)
    {
        var size = 4;
        for (var i = 0; i < list.Count; i++)
        {
            size += MeasureFieldValue(list[i]);
        }

        return size;
    }
}
