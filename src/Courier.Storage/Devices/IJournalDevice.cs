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
