namespace Courier.Storage.Devices;

/// <summary>
/// Where journal segments live: files in a directory, or memory in tests. The journal is written
/// only through this interface, so one contract suite can run against every implementation and
/// the memory one can inject torn writes, short writes and failed syncs.
/// </summary>
public interface IJournalDevice
{
    /// <summary>The segment numbers present, in ascending order.</summary>
    IReadOnlyList<int> ListSegments();

    ISegmentFile Open(int segment);

    void Delete(int segment);

    /// <summary>The store identity file's bytes (<c>store.id</c>), or null when there is none.</summary>
    byte[]? ReadIdentity();

    /// <summary>Writes the store identity file durably (replacing it atomically).</summary>
    void WriteIdentity(ReadOnlySpan<byte> identity);

    /// <summary>
    /// An empty device alongside this one, to write an upgraded copy of the journal into; whatever
    /// an earlier, interrupted upgrade left there is discarded first.
    /// </summary>
    IJournalDevice BeginUpgrade();

    /// <summary>
    /// Atomically replaces this device's contents with what was written to the
    /// <see cref="BeginUpgrade"/> device (its identity written last). A crash at any point leaves
    /// either the old journal, to upgrade again, or the new one.
    /// </summary>
    void CompleteUpgrade();
}

/// <summary>One segment's bytes. Writes are positional; <see cref="Flush"/> makes them durable (fsync).</summary>
public interface ISegmentFile : IDisposable
{
    long Length { get; }

    void Write(long offset, ReadOnlySpan<byte> data);

    void Flush();

    /// <summary>Reads up to <c>buffer.Length</c> bytes at <paramref name="offset"/>; returns how many were read.</summary>
    int Read(long offset, Span<byte> buffer);

    void Truncate(long length);
}
