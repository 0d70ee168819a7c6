using Courier.Core.Messages;

namespace Courier.Storage.Format;

/// <summary>
/// Courier's own encoding of a table of typed values (headers, annotations, declare arguments):
/// a varint entry count, then per entry a name (varint length, UTF-8) and a value (a type tag,
/// then its data). Every neutral value type (see <see cref="FieldTable"/>) has its own tag, so a
/// value reads back as the type it was written as. Layout in docs/storage-format.md.
/// </summary>
/// <remarks>
/// Writing allocates nothing for a <see cref="Dictionary{TKey,TValue}"/> or a <see cref="List{T}"/>
/// (their struct enumerators are used); other collection types cost their enumerator.
/// </remarks>
internal static class StoredTableCodec
{
    /// <summary>Tables and lists nested deeper than this are refused when read, bounding recursion on damaged input.</summary>
    public const int MaxDepth = 64;

    private enum Tag : byte
    {
        Null = 0,
        False = 1,
        True = 2,
        Int8 = 3,
        UInt8 = 4,
        Int16 = 5,
        UInt16 = 6,
        Int32 = 7,
        UInt32 = 8,
        Int64 = 9,
        UInt64 = 10,
        Float32 = 11,
        Float64 = 12,
        Decimal = 13,
        String = 14,
        Bytes = 15,
        Binary = 16,
        Timestamp = 17,
        Table = 18,
        List = 19,
    }

    public static int MeasureTable(IReadOnlyDictionary<string, object?> table)
    {
        var size = StoredPrimitives.MeasureVarint((uint)table.Count);
        if (table is Dictionary<string, object?> dictionary)
        {
            foreach (var (key, value) in dictionary)
            {
                size += StoredPrimitives.MeasureString(key) + MeasureValue(value);
            }
        }
        else
        {
            foreach (var (key, value) in table)
            {
                size += StoredPrimitives.MeasureString(key) + MeasureValue(value);
            }
        }

        return size;
    }

    public static void WriteTable(Span<byte> buffer, ref int position, IReadOnlyDictionary<string, object?> table)
    {
        StoredPrimitives.WriteVarint(buffer, ref position, (uint)table.Count);
        if (table is Dictionary<string, object?> dictionary)
        {
            foreach (var (key, value) in dictionary)
            {
                StoredPrimitives.WriteString(buffer, ref position, key);
                WriteValue(buffer, ref position, value);
            }
        }
        else
        {
            foreach (var (key, value) in table)
            {
                StoredPrimitives.WriteString(buffer, ref position, key);
                WriteValue(buffer, ref position, value);
            }
        }
    }

    public static IReadOnlyDictionary<string, object?> ReadTable(ReadOnlySpan<byte> buffer, ref int position) =>
        ReadTable(buffer, ref position, depth: 0);

    private static int MeasureValue(object? value) => 1 + value switch
    {
        null or bool => 0,
        sbyte or byte => 1,
        short or ushort => 2,
        int or uint or float => 4,
        long or ulong or double or Timestamp => 8,
        decimal => 16,
        string v => StoredPrimitives.MeasureString(v),
        byte[] v => StoredPrimitives.MeasureBytes(v),
        BinaryValue v => StoredPrimitives.MeasureBytes(v.Bytes),
        IReadOnlyDictionary<string, object?> v => MeasureTable(v),
        IReadOnlyList<object?> v => MeasureList(v),
        _ => throw new ArgumentException($"a stored table cannot carry a value of type {value.GetType()}"),
    };

    private static int MeasureList(IReadOnlyList<object?> list)
    {
        var size = StoredPrimitives.MeasureVarint((uint)list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            size += MeasureValue(list[i]);
        }

        return size;
    }

    private static void WriteValue(Span<byte> buffer, ref int position, object? value)
    {
        switch (value)
        {
            case null: Write(buffer, ref position, Tag.Null); break;
            case bool v: Write(buffer, ref position, v ? Tag.True : Tag.False); break;
            case sbyte v: Write(buffer, ref position, Tag.Int8); buffer[position++] = (byte)v; break;
            case byte v: Write(buffer, ref position, Tag.UInt8); buffer[position++] = v; break;
            case short v: Write(buffer, ref position, Tag.Int16); StoredPrimitives.WriteUInt16(buffer, ref position, (ushort)v); break;
            case ushort v: Write(buffer, ref position, Tag.UInt16); StoredPrimitives.WriteUInt16(buffer, ref position, v); break;
            case int v: Write(buffer, ref position, Tag.Int32); StoredPrimitives.WriteUInt32(buffer, ref position, (uint)v); break;
            case uint v: Write(buffer, ref position, Tag.UInt32); StoredPrimitives.WriteUInt32(buffer, ref position, v); break;
            case long v: Write(buffer, ref position, Tag.Int64); StoredPrimitives.WriteUInt64(buffer, ref position, (ulong)v); break;
            case ulong v: Write(buffer, ref position, Tag.UInt64); StoredPrimitives.WriteUInt64(buffer, ref position, v); break;
            case float v: Write(buffer, ref position, Tag.Float32); StoredPrimitives.WriteUInt32(buffer, ref position, BitConverter.SingleToUInt32Bits(v)); break;
            case double v: Write(buffer, ref position, Tag.Float64); StoredPrimitives.WriteUInt64(buffer, ref position, BitConverter.DoubleToUInt64Bits(v)); break;
            case decimal v:
                {
                    Write(buffer, ref position, Tag.Decimal);
                    Span<int> bits = stackalloc int[4];
                    decimal.GetBits(v, bits);
                    foreach (var part in bits)
                    {
                        StoredPrimitives.WriteUInt32(buffer, ref position, (uint)part);
                    }

                    break;
                }

            case string v: Write(buffer, ref position, Tag.String); StoredPrimitives.WriteString(buffer, ref position, v); break;
            case byte[] v: Write(buffer, ref position, Tag.Bytes); StoredPrimitives.WriteBytes(buffer, ref position, v); break;
            case BinaryValue v: Write(buffer, ref position, Tag.Binary); StoredPrimitives.WriteBytes(buffer, ref position, v.Bytes); break;
            case Timestamp v: Write(buffer, ref position, Tag.Timestamp); StoredPrimitives.WriteUInt64(buffer, ref position, (ulong)v.UnixSeconds); break;
            case IReadOnlyDictionary<string, object?> v: Write(buffer, ref position, Tag.Table); WriteTable(buffer, ref position, v); break;
            case IReadOnlyList<object?> v:
                {
                    Write(buffer, ref position, Tag.List);
                    StoredPrimitives.WriteVarint(buffer, ref position, (uint)v.Count);
                    for (var i = 0; i < v.Count; i++)
                    {
                        WriteValue(buffer, ref position, v[i]);
                    }

                    break;
                }

            default: throw new ArgumentException($"a stored table cannot carry a value of type {value.GetType()}");
        }
    }

    private static void Write(Span<byte> buffer, ref int position, Tag tag) => buffer[position++] = (byte)tag;

    private static IReadOnlyDictionary<string, object?> ReadTable(ReadOnlySpan<byte> buffer, ref int position, int depth)
    {
        var count = ReadCount(buffer, ref position, ref depth);
        if (count == 0)
        {
            return FieldTable.Empty;
        }

        var table = new Dictionary<string, object?>(count);
        for (var i = 0; i < count; i++)
        {
            var key = StoredPrimitives.ReadString(buffer, ref position);
            table[key] = ReadValue(buffer, ref position, depth);
        }

        return table;
    }

    /// <summary>Reads a table's or list's count, refusing one that could not fit the bytes left (each entry takes at least one).</summary>
    private static int ReadCount(ReadOnlySpan<byte> buffer, ref int position, ref int depth)
    {
        if (++depth > MaxDepth)
        {
            throw new InvalidDataException("stored tables nested too deeply");
        }

        var count = StoredPrimitives.ReadVarint(buffer, ref position);
        if (count > (uint)(buffer.Length - position))
        {
            StoredPrimitives.ThrowTruncated();
        }

        return (int)count;
    }

    private static object? ReadValue(ReadOnlySpan<byte> buffer, ref int position, int depth)
    {
        var tag = (Tag)StoredPrimitives.ReadByte(buffer, ref position);
        switch (tag)
        {
            case Tag.Null: return null;
            case Tag.False: return false;
            case Tag.True: return true;
            case Tag.Int8: return (sbyte)StoredPrimitives.ReadByte(buffer, ref position);
            case Tag.UInt8: return StoredPrimitives.ReadByte(buffer, ref position);
            case Tag.Int16: return (short)StoredPrimitives.ReadUInt16(buffer, ref position);
            case Tag.UInt16: return StoredPrimitives.ReadUInt16(buffer, ref position);
            case Tag.Int32: return (int)StoredPrimitives.ReadUInt32(buffer, ref position);
            case Tag.UInt32: return StoredPrimitives.ReadUInt32(buffer, ref position);
            case Tag.Int64: return (long)StoredPrimitives.ReadUInt64(buffer, ref position);
            case Tag.UInt64: return StoredPrimitives.ReadUInt64(buffer, ref position);
            case Tag.Float32: return BitConverter.UInt32BitsToSingle(StoredPrimitives.ReadUInt32(buffer, ref position));
            case Tag.Float64: return BitConverter.UInt64BitsToDouble(StoredPrimitives.ReadUInt64(buffer, ref position));
            case Tag.Decimal:
                {
                    Span<int> bits = stackalloc int[4];
                    for (var i = 0; i < 4; i++)
                    {
                        bits[i] = (int)StoredPrimitives.ReadUInt32(buffer, ref position);
                    }

                    try
                    {
                        return new decimal(bits);
                    }
                    catch (ArgumentException e)
                    {
                        throw new InvalidDataException("a stored decimal is not a valid decimal", e);
                    }
                }

            case Tag.String: return StoredPrimitives.ReadString(buffer, ref position);
            case Tag.Bytes: return StoredPrimitives.ReadBytes(buffer, ref position);
            case Tag.Binary: return new BinaryValue(StoredPrimitives.ReadBytes(buffer, ref position));
            case Tag.Timestamp: return new Timestamp((long)StoredPrimitives.ReadUInt64(buffer, ref position));
            case Tag.Table: return ReadTable(buffer, ref position, depth);
            case Tag.List:
                {
                    var count = ReadCount(buffer, ref position, ref depth);
                    var list = new List<object?>(count);
                    for (var i = 0; i < count; i++)
                    {
                        list.Add(ReadValue(buffer, ref position, depth));
                    }

                    return list;
                }

            default: throw new InvalidDataException($"unknown value tag {(byte)tag} in a stored table");
        }
    }
}
