using Microsoft.Extensions.Logging;

namespace Courier.Storage.Keyed;

/// <summary>Log messages of the keyed logs, with stable event ids (27xx).</summary>
internal static partial class KeyedLogLog
{
    [LoggerMessage(2701, LogLevel.Critical, "The keyed log {Path} failed; it accepts no more changes and nothing uncommitted will be confirmed")]
    public static partial void Failed(ILogger logger, string path, Exception exception);

    [LoggerMessage(2702, LogLevel.Warning, "Keyed log {Path}: record at offset {Offset} is torn or corrupt; truncated the file there ({Lost} bytes dropped)")]
    public static partial void Truncated(ILogger logger, string path, long offset, long lost);

    [LoggerMessage(2703, LogLevel.Debug, "Keyed log {Path} loaded in {ElapsedMs} ms: {Keys} keys, {Bytes} bytes scanned")]
    public static partial void Loaded(ILogger logger, string path, long elapsedMs, int keys, long bytes);

    [LoggerMessage(2704, LogLevel.Debug, "Keyed log {Path} compacted in {ElapsedMs} ms: {Before} bytes to {After}")]
    public static partial void Compacted(ILogger logger, string path, long elapsedMs, long before, long after);

    [LoggerMessage(2705, LogLevel.Warning, "Keyed log {Path} could not be compacted; it goes on growing until the next attempt")]
    public static partial void CompactionFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(2706, LogLevel.Warning, "The keyed log {Path} could not write or sync ({Reason}); it keeps what is pending and retries, and new retained messages and QoS 2 packet ids are refused meanwhile")]
    public static partial void Stalled(ILogger logger, string path, string reason);

    [LoggerMessage(2707, LogLevel.Information, "The keyed log {Path} writes again")]
    public static partial void Resumed(ILogger logger, string path);
}
