using Microsoft.Extensions.Logging;

namespace Courier.Storage.Journal;

/// <summary>Log messages of the journal, with stable event ids (2xxx).</summary>
internal static partial class JournalLog
{
    [LoggerMessage(2001, LogLevel.Critical, "The {Log} log failed to write, sync or replicate; it accepts no more writes and nothing uncommitted will be confirmed")]
    public static partial void Failed(ILogger logger, string log, Exception exception);

    [LoggerMessage(2002, LogLevel.Debug, "Journal segment {Segment} held no live records and was deleted")]
    public static partial void SegmentDeleted(ILogger logger, int segment);

    [LoggerMessage(2003, LogLevel.Warning, "Journal segment {Segment}: record at offset {Offset} is torn or corrupt; truncated the segment there ({Lost} bytes dropped)")]
    public static partial void Truncated(ILogger logger, int segment, long offset, long lost);

    [LoggerMessage(2004, LogLevel.Information, "Journal recovered in {ElapsedMs} ms: {Segments} segments, {Records} records, {Bytes} bytes scanned")]
    public static partial void Recovered(ILogger logger, long elapsedMs, int segments, long records, long bytes);

    [LoggerMessage(2005, LogLevel.Warning, "Journal in format 1 (headerless segments) found; upgrading it in place to format {Version}")]
    public static partial void Upgrading(ILogger logger, int version);

    [LoggerMessage(2006, LogLevel.Warning, "Journal upgraded to format {Version} in {ElapsedMs} ms: {Segments} segments, {Records} records copied, {Dropped} torn bytes dropped")]
    public static partial void Upgraded(ILogger logger, int version, long elapsedMs, int segments, long records, long dropped);

    [LoggerMessage(2007, LogLevel.Warning, "The {Log} log could not write or sync ({Reason}); publishers are blocked, nothing unsaved is confirmed, and the write is retried until the disk allows")]
    public static partial void Stalled(ILogger logger, string log, string reason);

    [LoggerMessage(2008, LogLevel.Information, "The {Log} log writes again")]
    public static partial void Resumed(ILogger logger, string log);
}
