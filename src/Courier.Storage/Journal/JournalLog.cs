using Microsoft.Extensions.Logging;

namespace Courier.Storage.Journal;

/// <summary>Log messages of the journal, with stable event ids (2xxx).</summary>
internal static partial class JournalLog
{
    [LoggerMessage(2001, LogLevel.Critical, "The message journal failed to write or sync; it accepts no more persistent messages and nothing unsynced will be confirmed")]
    public static partial void Failed(ILogger logger, Exception exception);

    [LoggerMessage(2002, LogLevel.Debug, "Journal segment {Segment} held no live records and was deleted")]
    public static partial void SegmentDeleted(ILogger logger, int segment);

    [LoggerMessage(2003, LogLevel.Warning, "Journal segment {Segment}: record at offset {Offset} is torn or corrupt; truncated the segment there ({Lost} bytes dropped)")]
    public static partial void Truncated(ILogger logger, int segment, long offset, long lost);

    [LoggerMessage(2004, LogLevel.Information, "Journal recovered in {ElapsedMs} ms: {Segments} segments, {Records} records, {Bytes} bytes scanned")]
    public static partial void Recovered(ILogger logger, long elapsedMs, int segments, long records, long bytes);
}
