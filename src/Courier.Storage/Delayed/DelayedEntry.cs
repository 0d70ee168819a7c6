using Courier.Storage.Journal;
using System.Buffers.Binary;
using Courier.Core.Storage;

namespace Courier.Storage.Delayed;

/// <summary>
/// One scheduled message in the <see cref="DueTimeIndex"/>: when it is due, its exchange's key and
/// where its record lives in the journal. 24 bytes on disk, little-endian (docs/storage-format.md).
/// </summary>
public readonly record struct DelayedEntry(long DueAt, int Key, StoredLocation Location)
{
    public const int Size = 24;

    /// <summary>The message's identity for the life of the data directory: its record's segment and offset (so also its append order).</summary>
    public long Identity => IdentityOf(Location);

    public static long IdentityOf(StoredLocation location) => ((long)location.Segment << 32) | (uint)location.Offset;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, DueAt);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], Key);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], Location.Segment);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], Location.Offset);
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], Location.Length);
    }

    public static DelayedEntry Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadInt64LittleEndian(source),
        BinaryPrimitives.ReadInt32LittleEndian(source[8..]),
        new StoredLocation(
            BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[16..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[20..])));
}
