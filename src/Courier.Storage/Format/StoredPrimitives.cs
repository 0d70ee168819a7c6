using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Courier.Storage.Format;

/// <summary>
/// The primitives of Courier's own encoding: little-endian fixed-width integers and unsigned
/// LEB128 varints for lengths and counts, over a span with a moving position. Reads are
/// bounds-checked and throw <see cref="InvalidDataException"/>; writes trust a size measured first.
/// </summary>
internal static class StoredPrimitives
{
    /// <summary>The most bytes a varint of a 32-bit value takes.</summary>
    public const int MaxVarintBytes = 5;

    public static int MeasureVarint(uint value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    public static void WriteVarint(Span<byte> buffer, ref int position, uint value)
    {
        while (value >= 0x80)
        {
            buffer[position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[position++] = (byte)value;
    }

    public static uint ReadVarint(ReadOnlySpan<byte> buffer, ref int position)
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = ReadByte(buffer, ref position);
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (shift == 28 && b > 0x0F)
                {
                    break;
                }

                return value;
            }
        }

        throw new InvalidDataException("a length in a stored record is not a 32-bit varint");
    }

    /// <summary>Reads a varint length and checks that many bytes follow.</summary>
    public static int ReadLength(ReadOnlySpan<byte> buffer, ref int position)
    {
        var length = ReadVarint(buffer, ref position);
        if (length > (uint)(buffer.Length - position))
        {
            ThrowTruncated();
        }

        return (int)length;
    }

    public static byte ReadByte(ReadOnlySpan<byte> buffer, ref int position)
    {
        if ((uint)position >= (uint)buffer.Length)
        {
            ThrowTruncated();
        }

        return buffer[position++];
    }

    public static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> buffer, ref int position, int count)
    {
        if ((uint)count > (uint)(buffer.Length - position))
        {
            ThrowTruncated();
        }

        var span = buffer.Slice(position, count);
        position += count;
        return span;
    }

    public static ushort ReadUInt16(ReadOnlySpan<byte> buffer, ref int position) => BinaryPrimitives.ReadUInt16LittleEndian(Take(buffer, ref position, 2));

    public static uint ReadUInt32(ReadOnlySpan<byte> buffer, ref int position) => BinaryPrimitives.ReadUInt32LittleEndian(Take(buffer, ref position, 4));

    public static ulong ReadUInt64(ReadOnlySpan<byte> buffer, ref int position) => BinaryPrimitives.ReadUInt64LittleEndian(Take(buffer, ref position, 8));

    public static void WriteUInt16(Span<byte> buffer, ref int position, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(buffer[position..], value);
        position += 2;
    }

    public static void WriteUInt32(Span<byte> buffer, ref int position, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer[position..], value);
        position += 4;
    }

    public static void WriteUInt64(Span<byte> buffer, ref int position, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(buffer[position..], value);
        position += 8;
    }

    /// <summary>Size of a string as stored: varint byte count, then UTF-8.</summary>
    public static int MeasureString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        return MeasureVarint((uint)length) + length;
    }

    public static void WriteString(Span<byte> buffer, ref int position, string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteVarint(buffer, ref position, (uint)length);
        position += Encoding.UTF8.GetBytes(value, buffer[position..]);
    }

    public static string ReadString(ReadOnlySpan<byte> buffer, ref int position)
    {
        var length = ReadLength(buffer, ref position);
        return length == 0 ? string.Empty : Encoding.UTF8.GetString(Take(buffer, ref position, length));
    }

    public static int MeasureBytes(ReadOnlySpan<byte> value) => MeasureVarint((uint)value.Length) + value.Length;

    public static void WriteBytes(Span<byte> buffer, ref int position, ReadOnlySpan<byte> value)
    {
        WriteVarint(buffer, ref position, (uint)value.Length);
        value.CopyTo(buffer[position..]);
        position += value.Length;
    }

    public static byte[] ReadBytes(ReadOnlySpan<byte> buffer, ref int position)
    {
        var length = ReadLength(buffer, ref position);
        return length == 0 ? [] : Take(buffer, ref position, length).ToArray();
    }

    [DoesNotReturn]
    public static void ThrowTruncated() => throw new InvalidDataException("a stored record is shorter than its fields");
}
