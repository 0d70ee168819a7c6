using System.Buffers.Binary;

using Courier.Core.Messages;

namespace Courier.Amqp091.Mapping;

/// <summary>
/// AMQP 0-9-1's field table: a 4-byte length, then entries of short-string name, type letter and
/// value, with RabbitMQ's type letters (plus the spec's 'L' for an unsigned 64-bit integer), mapped
/// onto the core's neutral typed values (<see cref="FieldTable"/>). Each letter reads back as one
/// neutral type and that type writes the same letter, so a table crosses the broker unchanged.
/// Reads are bounds-checked and bounded in nesting, and throw <see cref="WireFormatException"/>
/// on anything malformed.
/// </summary>
public static class AmqpFieldTableCodec
{
    /// <summary>Tables and arrays nested deeper than this are refused, bounding recursion on hostile input.</summary>
    public const int MaxDepth = 32;

    public static IReadOnlyDictionary<string, object?> ReadTable(ReadOnlySpan<byte> buffer, ref int position) =>
        ReadTable(buffer, ref position, depth: 0);

    public static object? ReadValue(ReadOnlySpan<byte> buffer, ref int position) => ReadValue(buffer, ref position, depth: 0);

    private static IReadOnlyDictionary<string, object?> ReadTable(ReadOnlySpan<byte> buffer, ref int position, int depth)
    {
        var length = AmqpWirePrimitives.ReadLong(buffer, ref position);
        if (length > (uint)(buffer.Length - position))
        {
            AmqpWirePrimitives.ThrowTruncated();
        }

        if (length == 0)
        {
            return FieldTable.Empty;
        }

        EnterNested(ref depth);
        var end = position + (int)length;
        var table = new Dictionary<string, object?>();
        while (position < end)
        {
            var key = AmqpWirePrimitives.ReadShortString(buffer, ref position);
            var value = ReadValue(buffer, ref position, depth);
            if (position > end)
            {
                throw new WireFormatException("a field table entry runs past the table's declared length");
            }

            // Later duplicates win, as in RabbitMQ's own decoder.
            table[key] = value;
        }

        return table;
    }

    private static List<object?> ReadArray(ReadOnlySpan<byte> buffer, ref int position, int depth)
    {
        var length = AmqpWirePrimitives.ReadLong(buffer, ref position);
        if (length > (uint)(buffer.Length - position))
        {
            AmqpWirePrimitives.ThrowTruncated();
        }

        EnterNested(ref depth);
        var end = position + (int)length;
        var list = new List<object?>();
        while (position < end)
        {
            list.Add(ReadValue(buffer, ref position, depth));
            if (position > end)
            {
                throw new WireFormatException("a field array element runs past the array's declared length");
            }
        }

        return list;
    }

    private static void EnterNested(ref int depth)
    {
        if (++depth > MaxDepth)
        {
            throw new WireFormatException("field tables nested too deeply");
        }
    }

    private static object? ReadValue(ReadOnlySpan<byte> buffer, ref int position, int depth)
    {
        var type = (char)AmqpWirePrimitives.ReadOctet(buffer, ref position);
        switch (type)
        {
            case 't': return AmqpWirePrimitives.ReadOctet(buffer, ref position) != 0;
            case 'b': return (sbyte)AmqpWirePrimitives.ReadOctet(buffer, ref position);
            case 'B': return AmqpWirePrimitives.ReadOctet(buffer, ref position);
            case 's': return (short)AmqpWirePrimitives.ReadShort(buffer, ref position);
            case 'u': return AmqpWirePrimitives.ReadShort(buffer, ref position);
            case 'I': return (int)AmqpWirePrimitives.ReadLong(buffer, ref position);
            case 'i': return AmqpWirePrimitives.ReadLong(buffer, ref position);
            case 'l': return (long)AmqpWirePrimitives.ReadLongLong(buffer, ref position);
            case 'L': return AmqpWirePrimitives.ReadLongLong(buffer, ref position);
            case 'f': return BitConverter.Int32BitsToSingle((int)AmqpWirePrimitives.ReadLong(buffer, ref position));
            case 'd': return BitConverter.Int64BitsToDouble((long)AmqpWirePrimitives.ReadLongLong(buffer, ref position));
            case 'D':
                {
                    var scale = AmqpWirePrimitives.ReadOctet(buffer, ref position);
                    var value = (int)AmqpWirePrimitives.ReadLong(buffer, ref position);
                    if (scale > 28)
                    {
                        throw new WireFormatException("decimal scale above 28");
                    }

                    var magnitude = Math.Abs((long)value);
                    return new decimal(unchecked((int)(uint)magnitude), 0, 0, value < 0, scale);
                }

            case 'S': return AmqpWirePrimitives.ReadLongString(buffer, ref position);
            case 'x': return new BinaryValue(AmqpWirePrimitives.ReadLongString(buffer, ref position));
            case 'T': return new Timestamp((long)AmqpWirePrimitives.ReadLongLong(buffer, ref position));
            case 'F': return ReadTable(buffer, ref position, depth);
            case 'A': return ReadArray(buffer, ref position, depth);
            case 'V': return null;
            default:
                throw new WireFormatException($"unknown field type '{type}' (0x{(int)type:X2})");
        }
    }

    public static void WriteTable(Span<byte> buffer, ref int position, IReadOnlyDictionary<string, object?>? table)
    {
        var lengthAt = position;
        position += 4;
        if (table is not null)
        {
            foreach (var (key, value) in table)
            {
                // A name longer than a short string (an MQTT 5 user property's can be 65,535
                // bytes) is left out, as MeasureTable leaves it out.
                if (!AmqpWirePrimitives.FitsShortString(key))
                {
                    continue;
                }

                AmqpWirePrimitives.WriteShortString(buffer, ref position, key);
                WriteValue(buffer, ref position, value);
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(buffer[lengthAt..], (uint)(position - lengthAt - 4));
    }

    private static void WriteArray(Span<byte> buffer, ref int position, IReadOnlyList<object?> list)
    {
        var lengthAt = position;
        position += 4;
        for (var i = 0; i < list.Count; i++)
        {
            WriteValue(buffer, ref position, list[i]);
        }

        BinaryPrimitives.WriteUInt32BigEndian(buffer[lengthAt..], (uint)(position - lengthAt - 4));
    }

    public static void WriteValue(Span<byte> buffer, ref int position, object? value)
    {
        switch (value)
        {
            case null: Type('V', buffer, ref position); break;
            case bool v: Type('t', buffer, ref position); AmqpWirePrimitives.WriteOctet(buffer, ref position, v ? (byte)1 : (byte)0); break;
            case sbyte v: Type('b', buffer, ref position); AmqpWirePrimitives.WriteOctet(buffer, ref position, (byte)v); break;
            case byte v: Type('B', buffer, ref position); AmqpWirePrimitives.WriteOctet(buffer, ref position, v); break;
            case short v: Type('s', buffer, ref position); AmqpWirePrimitives.WriteShort(buffer, ref position, (ushort)v); break;
            case ushort v: Type('u', buffer, ref position); AmqpWirePrimitives.WriteShort(buffer, ref position, v); break;
            case int v: Type('I', buffer, ref position); AmqpWirePrimitives.WriteLong(buffer, ref position, (uint)v); break;
            case uint v: Type('i', buffer, ref position); AmqpWirePrimitives.WriteLong(buffer, ref position, v); break;
            case long v: Type('l', buffer, ref position); AmqpWirePrimitives.WriteLongLong(buffer, ref position, (ulong)v); break;
            case ulong v: Type('L', buffer, ref position); AmqpWirePrimitives.WriteLongLong(buffer, ref position, v); break;
            case float v: Type('f', buffer, ref position); AmqpWirePrimitives.WriteLong(buffer, ref position, (uint)BitConverter.SingleToInt32Bits(v)); break;
            case double v: Type('d', buffer, ref position); AmqpWirePrimitives.WriteLongLong(buffer, ref position, (ulong)BitConverter.DoubleToInt64Bits(v)); break;
            case decimal v: WriteDecimal(buffer, ref position, v); break;
            case string v:
                {
                    Type('S', buffer, ref position);
                    var length = System.Text.Encoding.UTF8.GetBytes(v, buffer[(position + 4)..]);
                    AmqpWirePrimitives.WriteLong(buffer, ref position, (uint)length);
                    position += length;
                    break;
                }

            case byte[] v: Type('S', buffer, ref position); AmqpWirePrimitives.WriteLongString(buffer, ref position, v); break;
            case BinaryValue v: Type('x', buffer, ref position); AmqpWirePrimitives.WriteLongString(buffer, ref position, v.Bytes); break;
            case Timestamp v: Type('T', buffer, ref position); AmqpWirePrimitives.WriteLongLong(buffer, ref position, (ulong)v.UnixSeconds); break;
            case IReadOnlyDictionary<string, object?> v: Type('F', buffer, ref position); WriteTable(buffer, ref position, v); break;
            case IReadOnlyList<object?> v: Type('A', buffer, ref position); WriteArray(buffer, ref position, v); break;
            default: throw new ArgumentException($"a table cannot carry a value of type {value.GetType()}");
        }
    }

    private static void Type(char letter, Span<byte> buffer, ref int position) => buffer[position++] = (byte)letter;

    private static void WriteDecimal(Span<byte> buffer, ref int position, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var negative = bits[3] < 0;
        var magnitude = (uint)bits[0];
        if (bits[1] != 0 || bits[2] != 0 || magnitude > (negative ? 0x80000000u : int.MaxValue))
        {
            throw new ArgumentException("a table decimal holds a signed 32-bit unscaled value");
        }

        var scale = (byte)((bits[3] >> 16) & 0xFF);
        Type('D', buffer, ref position);
        AmqpWirePrimitives.WriteOctet(buffer, ref position, scale);
        AmqpWirePrimitives.WriteLong(buffer, ref position, negative ? unchecked((uint)-(long)magnitude) : magnitude);
    }

    public static int MeasureTable(IReadOnlyDictionary<string, object?>? table)
    {
        var size = 4;
        if (table is not null)
        {
            foreach (var (key, value) in table)
            {
                if (AmqpWirePrimitives.FitsShortString(key))
                {
                    size += AmqpWirePrimitives.MeasureShortString(key) + MeasureValue(value);
                }
            }
        }

        return size;
    }

    public static int MeasureValue(object? value) => 1 + value switch
    {
        null => 0,
        bool or sbyte or byte => 1,
        short or ushort => 2,
        int or uint or float => 4,
        long or ulong or double => 8,
        decimal => 5,
        string v => 4 + System.Text.Encoding.UTF8.GetByteCount(v),
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
            size += MeasureValue(list[i]);
        }

        return size;
    }
}
