using System.Buffers.Binary;
using Courier.Core.Messages;

namespace Courier.Storage.Format.Legacy;

/// <summary>
/// Reads an AMQP 0-9-1 field table (4-byte big-endian length, entries of short-string name, type
/// letter and value, RabbitMQ's letters), the encoding that journals and <c>definitions.json</c>
/// files written before Courier had its own format hold. Read-only: nothing new is written this
/// way. Values map onto the neutral types exactly as Courier.Amqp091's field-table codec maps them,
/// so a message loaded from an old record is the message that codec read from the wire.
/// </summary>
internal static class LegacyAmqpFieldTable
{
    private const int MaxDepth = 32;

    public static IReadOnlyDictionary<string, object?> ReadTable(ReadOnlySpan<byte> buffer, ref int position) =>
        ReadTable(buffer, ref position, depth: 0);

    public static byte ReadOctet(ReadOnlySpan<byte> buffer, ref int position) => StoredPrimitives.ReadByte(buffer, ref position);

    public static ushort ReadShort(ReadOnlySpan<byte> buffer, ref int position) =>
        BinaryPrimitives.ReadUInt16BigEndian(StoredPrimitives.Take(buffer, ref position, 2));

    public static uint ReadLong(ReadOnlySpan<byte> buffer, ref int position) =>
        BinaryPrimitives.ReadUInt32BigEndian(StoredPrimitives.Take(buffer, ref position, 4));

    public static ulong ReadLongLong(ReadOnlySpan<byte> buffer, ref int position) =>
        BinaryPrimitives.ReadUInt64BigEndian(StoredPrimitives.Take(buffer, ref position, 8));

    public static ReadOnlySpan<byte> ReadShortBytes(ReadOnlySpan<byte> buffer, ref int position)
    {
        int length = ReadOctet(buffer, ref position);
        return StoredPrimitives.Take(buffer, ref position, length);
    }

    public static string ReadShortString(ReadOnlySpan<byte> buffer, ref int position)
    {
        var bytes = ReadShortBytes(buffer, ref position);
        return bytes.IsEmpty ? string.Empty : System.Text.Encoding.UTF8.GetString(bytes);
    }

    private static ReadOnlySpan<byte> ReadLongBytes(ReadOnlySpan<byte> buffer, ref int position)
    {
        var length = ReadLong(buffer, ref position);
        if (length > (uint)(buffer.Length - position))
        {
            StoredPrimitives.ThrowTruncated();
        }

        return StoredPrimitives.Take(buffer, ref position, (int)length);
    }

    private static IReadOnlyDictionary<string, object?> ReadTable(ReadOnlySpan<byte> buffer, ref int position, int depth)
    {
        var content = ReadLongBytes(buffer, ref position);
        if (content.IsEmpty)
        {
            return FieldTable.Empty;
        }

        Enter(ref depth);
        var table = new Dictionary<string, object?>();
        var at = 0;
        while (at < content.Length)
        {
            var key = ReadShortString(content, ref at);
            table[key] = ReadValue(content, ref at, depth);
        }

        return table;
    }

    private static void Enter(ref int depth)
    {
        if (++depth > MaxDepth)
        {
            throw new InvalidDataException("legacy field tables nested too deeply");
        }
    }

    private static object? ReadValue(ReadOnlySpan<byte> buffer, ref int position, int depth)
    {
        var type = (char)ReadOctet(buffer, ref position);
        switch (type)
        {
            case 't': return ReadOctet(buffer, ref position) != 0;
            case 'b': return (sbyte)ReadOctet(buffer, ref position);
            case 'B': return ReadOctet(buffer, ref position);
            case 's': return (short)ReadShort(buffer, ref position);
            case 'u': return ReadShort(buffer, ref position);
            case 'I': return (int)ReadLong(buffer, ref position);
            case 'i': return ReadLong(buffer, ref position);
            case 'l': return (long)ReadLongLong(buffer, ref position);
            case 'L': return ReadLongLong(buffer, ref position);
            case 'f': return BitConverter.Int32BitsToSingle((int)ReadLong(buffer, ref position));
            case 'd': return BitConverter.Int64BitsToDouble((long)ReadLongLong(buffer, ref position));
            case 'D':
                {
                    var scale = ReadOctet(buffer, ref position);
                    var value = (int)ReadLong(buffer, ref position);
                    if (scale > 28)
                    {
                        throw new InvalidDataException("legacy decimal scale above 28");
                    }

                    var magnitude = Math.Abs((long)value);
                    return new decimal(unchecked((int)(uint)magnitude), 0, 0, value < 0, scale);
                }

            case 'S': return ReadLongBytes(buffer, ref position).ToArray();
            case 'x': return new BinaryValue(ReadLongBytes(buffer, ref position).ToArray());
            case 'T': return new Timestamp((long)ReadLongLong(buffer, ref position));
            case 'F': return ReadTable(buffer, ref position, depth);
            case 'A':
                {
                    var content = ReadLongBytes(buffer, ref position);
                    Enter(ref depth);
                    var list = new List<object?>();
                    var at = 0;
                    while (at < content.Length)
                    {
                        list.Add(ReadValue(content, ref at, depth));
                    }

                    return list;
                }

            case 'V': return null;
            default:
                throw new InvalidDataException($"unknown legacy field type '{type}' (0x{(int)type:X2})");
        }
    }
}
