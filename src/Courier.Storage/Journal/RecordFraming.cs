using System.Buffers.Binary;

namespace Courier.Storage.Journal;

/// <summary>
/// How a record is framed in a segment (format 2, docs/storage-format.md): length, CRC-32C, log
/// sequence number, epoch, type, payload. The CRC covers everything after it, so a torn or
/// damaged sequence number is caught like a torn payload.
/// </summary>
public static class RecordFraming
{
    /// <summary>Length (4), CRC-32C (4), sequence number (8), epoch (4), type (1).</summary>
    public const int HeaderSize = 21;

    /// <summary>Bytes before the part the length counts and the CRC covers.</summary>
    private const int Prefix = 8;

    /// <summary>Frames a record whose payload is already at <c>record[HeaderSize..]</c>.</summary>
    public static void Seal(Span<byte> record, RecordType type, long sequence, int epoch)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(record.Length - Prefix));
        BinaryPrimitives.WriteInt64LittleEndian(record[8..], sequence);
        BinaryPrimitives.WriteInt32LittleEndian(record[16..], epoch);
        record[20] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Crc32C.Compute(record[Prefix..]));
    }

    /// <summary>
    /// The size of the intact record at the start of <paramref name="data"/>, or 0 when it is torn
    /// or damaged (its length runs past the data, or its CRC does not match).
    /// </summary>
    public static int Measure(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderSize)
        {
            return 0;
        }

        var declared = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (declared < HeaderSize - Prefix || declared > data.Length - Prefix
            || Crc32C.Compute(data.Slice(Prefix, (int)declared)) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
        {
            return 0;
        }

        return Prefix + (int)declared;
    }

    public static long SequenceOf(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt64LittleEndian(record[8..]);

    public static int EpochOf(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt32LittleEndian(record[16..]);

    public static RecordType TypeOf(ReadOnlySpan<byte> record) => (RecordType)record[20];
}
