using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Courier.Core.Messages;

namespace Courier.Amqp091.Mapping;

/// <summary>AMQP 0-9-1's big-endian primitives over a span with a moving position, bounds-checked on read.</summary>
internal static class AmqpWirePrimitives
{
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

    public static byte ReadOctet(ReadOnlySpan<byte> buffer, ref int position)
    {
        if ((uint)position >= (uint)buffer.Length)
        {
            ThrowTruncated();
        }

        return buffer[position++];
    }

    public static ushort ReadShort(ReadOnlySpan<byte> buffer, ref int position) =>
        BinaryPrimitives.ReadUInt16BigEndian(Take(buffer, ref position, 2));

    public static uint ReadLong(ReadOnlySpan<byte> buffer, ref int position) =>
        BinaryPrimitives.ReadUInt32BigEndian(Take(buffer, ref position, 4));

    public static ulong ReadLongLong(ReadOnlySpan<byte> buffer, ref int position) =>
        BinaryPrimitives.ReadUInt64BigEndian(Take(buffer, ref position, 8));

    public static string ReadShortString(ReadOnlySpan<byte> buffer, ref int position)
    {
        int length = ReadOctet(buffer, ref position);
        return length == 0 ? string.Empty : DecodeShortString(Take(buffer, ref position, length));
    }

    /// <summary>A short string's octets as text, refused (502 SYNTAX_ERROR) rather than rewritten when they are not well-formed UTF-8.</summary>
    /// <exception cref="WireFormatException">The bytes are not well-formed UTF-8.</exception>
    public static string DecodeShortString(ReadOnlySpan<byte> bytes) =>
        StrictUtf8.TryDecode(bytes, out var value) ? value : throw new WireFormatException("a short string is not well-formed UTF-8");

    /// <summary>A short string kept as its bytes (AMQP short strings are octets; only some are text).</summary>
    public static byte[] ReadShortBytes(ReadOnlySpan<byte> buffer, ref int position)
    {
        int length = ReadOctet(buffer, ref position);
        return length == 0 ? [] : Take(buffer, ref position, length).ToArray();
    }

    public static byte[] ReadLongString(ReadOnlySpan<byte> buffer, ref int position)
    {
        var length = ReadLong(buffer, ref position);
        if (length > (uint)(buffer.Length - position))
        {
            ThrowTruncated();
        }

        return length == 0 ? [] : Take(buffer, ref position, (int)length).ToArray();
    }

    public static void WriteOctet(Span<byte> buffer, ref int position, byte value) => buffer[position++] = value;

    public static void WriteShort(Span<byte> buffer, ref int position, ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(buffer[position..], value);
        position += 2;
    }

    public static void WriteLong(Span<byte> buffer, ref int position, uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(buffer[position..], value);
        position += 4;
    }

    public static void WriteLongLong(Span<byte> buffer, ref int position, ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(buffer[position..], value);
        position += 8;
    }

    public static void WriteShortString(Span<byte> buffer, ref int position, string value)
    {
        var length = System.Text.Encoding.UTF8.GetBytes(value, buffer[(position + 1)..]);
        if (length > 255)
        {
            ThrowShortStringTooLong();
        }

        buffer[position] = (byte)length;
        position += 1 + length;
    }

    public static void WriteShortBytes(Span<byte> buffer, ref int position, ReadOnlySpan<byte> value)
    {
        if (value.Length > 255)
        {
            ThrowShortStringTooLong();
        }

        buffer[position++] = (byte)value.Length;
        value.CopyTo(buffer[position..]);
        position += value.Length;
    }

    public static void WriteLongString(Span<byte> buffer, ref int position, ReadOnlySpan<byte> value)
    {
        WriteLong(buffer, ref position, (uint)value.Length);
        value.CopyTo(buffer[position..]);
        position += value.Length;
    }

    /// <summary>True when <paramref name="value"/>'s UTF-8 fits an AMQP short string (255 bytes).</summary>
    public static bool FitsShortString(string value) => value.Length <= 85 || System.Text.Encoding.UTF8.GetByteCount(value) <= 255;

    /// <summary>
    /// <paramref name="value"/> as an AMQP short string can carry it: whole when its UTF-8 is at
    /// most 255 bytes, else its longest prefix of whole characters that is. For names other
    /// protocols allow to be longer (an MQTT topic, up to 65,535 bytes, is a routing key).
    /// </summary>
    public static string FitShortString(string value)
    {
        if (FitsShortString(value))
        {
            return value;
        }

        var bytes = 0;
        var end = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > 255)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            end += rune.Utf16SequenceLength;
        }

        return value[..end];
    }

    public static int MeasureShortString(string value)
    {
        var length = System.Text.Encoding.UTF8.GetByteCount(value);
        if (length > 255)
        {
            ThrowShortStringTooLong();
        }

        return 1 + length;
    }

    [DoesNotReturn]
    public static void ThrowTruncated() => throw new WireFormatException("shorter than its fields");

    [DoesNotReturn]
    public static void ThrowShortStringTooLong() =>
        throw new ArgumentException("a short string is at most 255 bytes once encoded as UTF-8");
}
