using Microsoft.Extensions.Logging;

namespace Courier.Server.Hosting;

/// <summary>Log messages of the server host, with stable event ids (100xx).</summary>
internal static partial class ServerLog
{
    [LoggerMessage(10001, LogLevel.Information, "Listening for {Protocol} on {EndPoint}")]
    public static partial void Listening(ILogger logger, string protocol, string endPoint);

    [LoggerMessage(10002, LogLevel.Information, "Courier {Version} started; data directory {DataDir}")]
    public static partial void Started(ILogger logger, string version, string dataDir);

    [LoggerMessage(10004, LogLevel.Information, "Recovered {Messages} persistent messages in {ElapsedMs} ms ({Segments} journal segments, {Records} records; {TruncatedBytes} bytes of torn tail dropped)")]
    public static partial void Recovered(ILogger logger, int messages, long elapsedMs, int segments, long records, long truncatedBytes);

    [LoggerMessage(10011, LogLevel.Warning, "The previous run did not stop cleanly: {Flagged} recovered messages not known to be delivered come back marked redelivered")]
    public static partial void UncleanStop(ILogger logger, int flagged);

    [LoggerMessage(10012, LogLevel.Warning, "Could not write or remove the unclean-stop marker (courier.running) or watermark (courier.redelivered); messages delivered before a crash may come back unflagged after a later restart")]
    public static partial void UncleanStopMarkerFailed(ILogger logger, Exception exception);

    [LoggerMessage(10005, LogLevel.Warning, "Journal compaction failed; the segments it was working on stay until the next run")]
    public static partial void CompactionFailed(ILogger logger, Exception exception);

    [LoggerMessage(10006, LogLevel.Error, "Routing a due delayed message failed; it stays scheduled and is tried again")]
    public static partial void DelayedRoutingFailed(ILogger logger, Exception exception);

    [LoggerMessage(10007, LogLevel.Information, "{Scheduled} delayed messages scheduled")]
    public static partial void DelayedRecovered(ILogger logger, long scheduled);

    [LoggerMessage(10031, LogLevel.Information, "{Count} MQTT retained messages loaded")]
    public static partial void RetainedLoaded(ILogger logger, int count);

    [LoggerMessage(10032, LogLevel.Information, "Socket completions run {Mode}")]
    public static partial void SocketCompletions(ILogger logger, string mode);

    [LoggerMessage(10010, LogLevel.Warning, "{Message}")]
    public static partial void BrokerWarning(ILogger logger, string message);

    [LoggerMessage(10003, LogLevel.Information, "Courier stopping: closing client connections")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(10013, LogLevel.Information, "Courier stopped in {ElapsedMs} ms: connections closed, stores committed and closed")]
    public static partial void Stopped(ILogger logger, long elapsedMs);
}
