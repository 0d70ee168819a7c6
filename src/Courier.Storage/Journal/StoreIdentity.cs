using System.Buffers.Binary;

namespace Courier.Storage.Journal;

/// <summary>
/// The journal's <c>store.id</c>: magic, format version and the random id the data directory got
/// when it was created. Its presence is what says the directory is in format 2 (headerless
/// format-1 segments have none), so a segment whose header is damaged is refused, never taken for
/// an old segment to upgrade. Written once, last, when a directory is created or upgraded.
/// </summary>
public readonly record struct StoreIdentity(Guid StoreId)
{
    public const int Size = 32;

    private static ReadOnlySpan<byte> Magic => "CourierS"u8;

    public static StoreIdentity New() => new(Guid.NewGuid());

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), SegmentHeader.CurrentVersion);
        StoreId.TryWriteBytes(bytes.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(28), Crc32C.Compute(bytes.AsSpan(0, 28)));
        return bytes;
    }

    public static StoreIdentity Read(ReadOnlySpan<byte> source, string what)
    {
        if (source.Length < 10 || !source.StartsWith(Magic))
        {
            throw new StoreFormatException($"{what} is damaged (no Courier store magic); refusing to start rather than misread the journal");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]);
        if (version > SegmentHeader.CurrentVersion)
        {
            throw StoreFormatException.Newer(what, version);
        }

        if (source.Length != Size || version < SegmentHeader.OldestVersion
            || Crc32C.Compute(source[..28]) != BinaryPrimitives.ReadUInt32LittleEndian(source[28..]))
        {
            throw new StoreFormatException($"{what} is damaged (checksum or layout mismatch); refusing to start rather than misread the journal");
        }

        return new StoreIdentity(new Guid(source.Slice(12, 16)));
    }
}
