using System.Buffers.Binary;

namespace Courier.Storage.Journal;

/// <summary>
/// The header every segment file starts with (formats 2 and 3): magic, format version, the store id of
/// the data directory, the epoch, and the sequence number of the first record the segment holds
/// (or would hold), which is how the next sequence number survives the deletion of every segment
/// that held a record. Checked field by field at start: a segment is never read on a guess.
/// </summary>
public readonly record struct SegmentHeader(Guid StoreId, long FirstSequence, int Epoch)
{
    public const int Size = 48;

    /// <summary>
    /// The journal format this build writes (1 was the headerless format of 3b12d1b and before,
    /// upgraded in place; 2 had no arrival time in message records; 3 adds
    /// <see cref="RecordType.StampedMessage"/>). Segments of <see cref="OldestVersion"/> up to this
    /// are read as they are: a later format only adds record types.
    /// </summary>
    public const ushort CurrentVersion = 3;

    /// <summary>The oldest format with segment headers, read without an upgrade.</summary>
    public const ushort OldestVersion = 2;

    private static ReadOnlySpan<byte> Magic => "CourierJ"u8;

    public void Write(Span<byte> destination)
    {
        destination = destination[..Size];
        destination.Clear();
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], CurrentVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], Size);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], Epoch);
        StoreId.TryWriteBytes(destination[16..]);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], FirstSequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[44..], Crc32C.Compute(destination[..44]));
    }

    /// <summary>Reads a header, or throws <see cref="StoreFormatException"/> naming what is wrong with it.</summary>
    public static SegmentHeader Read(ReadOnlySpan<byte> source, string what)
    {
        if (source.Length < Size || !source.StartsWith(Magic))
        {
            throw new StoreFormatException($"{what} has a damaged header (no Courier journal magic); refusing to start rather than misread it");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]);
        if (version > CurrentVersion)
        {
            throw StoreFormatException.Newer(what, version);
        }

        if (version < OldestVersion || BinaryPrimitives.ReadUInt16LittleEndian(source[10..]) != Size
            || Crc32C.Compute(source[..44]) != BinaryPrimitives.ReadUInt32LittleEndian(source[44..]))
        {
            throw new StoreFormatException($"{what} has a damaged header (checksum or layout mismatch); refusing to start rather than misread it");
        }

        return new SegmentHeader(
            new Guid(source.Slice(16, 16)),
            BinaryPrimitives.ReadInt64LittleEndian(source[32..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[12..]));
    }
}
