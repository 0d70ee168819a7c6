using System.Buffers.Binary;
using System.Text;

namespace Courier.Storage.Tests.Support;

/// <summary>
/// Message record payloads in the layout releases up to 3b12d1b wrote (record types 1 and 4),
/// built byte by byte from that layout's description, so the legacy reader is tested against the
/// old format itself and not against a second copy of its own code.
/// </summary>
public static class LegacyRecords
{
    /// <summary>
    /// A type-1 payload: id, queues, one-byte-length exchange and key, the AMQP basic property list
    /// (big-endian), little-endian body length, body. The properties set are content-type
    /// "text/plain", a header table { "n": I 7, "s": S "v", "x": x [1 2], "big": L 2^64-1,
    /// "list": A [t 1, V], "deep": F { "d": D 2/12345 } }, delivery-mode 2, correlation-id bytes
    /// FF 00, expiration "060000" and cluster-id "c1".
    /// </summary>
    public static byte[] MessagePayload(long id, ReadOnlySpan<int> queues, string exchange, string routingKey, byte[] body)
    {
        var output = new List<byte>();
        Span<byte> scratch = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(scratch, id);
        output.AddRange(scratch[..8].ToArray());
        BinaryPrimitives.WriteUInt16LittleEndian(scratch, (ushort)queues.Length);
        output.AddRange(scratch[..2].ToArray());
        foreach (var queue in queues)
        {
            BinaryPrimitives.WriteInt32LittleEndian(scratch, queue);
            output.AddRange(scratch[..4].ToArray());
        }

        ShortString(output, exchange);
        ShortString(output, routingKey);

        // Flags: content-type (15), headers (13), delivery-mode (12), correlation-id (10), expiration (8), cluster-id (2).
        output.AddRange([0b1011_0101, 0b0000_0100]);
        ShortString(output, "text/plain");
        var table = new List<byte>();
        ShortString(table, "n"); table.Add((byte)'I'); table.AddRange([0, 0, 0, 7]);
        ShortString(table, "s"); table.Add((byte)'S'); table.AddRange([0, 0, 0, 1, (byte)'v']);
        ShortString(table, "x"); table.Add((byte)'x'); table.AddRange([0, 0, 0, 2, 1, 2]);
        ShortString(table, "big"); table.Add((byte)'L'); table.AddRange([255, 255, 255, 255, 255, 255, 255, 255]);
        ShortString(table, "list"); table.Add((byte)'A'); table.AddRange([0, 0, 0, 3, (byte)'t', 1, (byte)'V']);
        var nested = new List<byte>();
        ShortString(nested, "d"); nested.Add((byte)'D'); nested.AddRange([2, 0, 0, 0x30, 0x39]);
        ShortString(table, "deep"); table.Add((byte)'F'); LongBytes(table, nested);
        LongBytes(output, table);
        output.Add(2);
        output.AddRange([2, 0xFF, 0x00]);
        ShortString(output, "060000");
        ShortString(output, "c1");

        BinaryPrimitives.WriteInt32LittleEndian(scratch, body.Length);
        output.AddRange(scratch[..4].ToArray());
        output.AddRange(body);
        return [.. output];
    }

    private static void ShortString(List<byte> output, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        output.Add((byte)bytes.Length);
        output.AddRange(bytes);
    }

    private static void LongBytes(List<byte> output, List<byte> value)
    {
        output.AddRange([(byte)(value.Count >> 24), (byte)(value.Count >> 16), (byte)(value.Count >> 8), (byte)value.Count]);
        output.AddRange(value);
    }
}
