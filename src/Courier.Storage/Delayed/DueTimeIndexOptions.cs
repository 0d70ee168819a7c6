namespace Courier.Storage.Delayed;

/// <summary>How the due-time index cuts time into slices and how much it keeps in memory.</summary>
public sealed record DueTimeIndexOptions
{
    /// <summary>The span of due times one slice file covers.</summary>
    public long SliceMillis { get; init; } = 1000;

    /// <summary>How far ahead of now slices are loaded into memory, so a slice is in the head before its first message is due.</summary>
    public long LookaheadMillis { get; init; } = 1000;

    /// <summary>Bytes of entries buffered across all slices before they are written to their files.</summary>
    public int BufferedBytes { get; init; } = 4 * 1024 * 1024;
}
