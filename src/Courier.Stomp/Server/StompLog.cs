using Microsoft.Extensions.Logging;

namespace Courier.Stomp.Server;

/// <summary>Log messages of STOMP connections, with stable event ids (6xxx).</summary>
internal static partial class StompLog
{
    [LoggerMessage(6001, LogLevel.Debug, "Accepted STOMP connection {Connection}")]
    public static partial void Accepted(ILogger logger, string connection);

    [LoggerMessage(6002, LogLevel.Information, "STOMP connection {Connection} opened: STOMP {Version}, user '{User}', vhost '{VirtualHost}'")]
    public static partial void Opened(ILogger logger, string connection, string version, string user, string virtualHost);

    [LoggerMessage(6003, LogLevel.Information, "STOMP connection {Connection} closed")]
    public static partial void Closed(ILogger logger, string connection);

    [LoggerMessage(6004, LogLevel.Warning, "STOMP connection {Connection} closed with ERROR: {Message}")]
    public static partial void ClosedWithError(ILogger logger, string connection, string message);

    [LoggerMessage(6005, LogLevel.Warning, "STOMP connection {Connection} sent no CONNECT within {Timeout}: closed")]
    public static partial void ConnectTimeout(ILogger logger, string connection, TimeSpan timeout);

    [LoggerMessage(6006, LogLevel.Warning, "STOMP connection {Connection} silent for {Seconds:F1} s, past its heart-beat: closed")]
    public static partial void HeartBeatMissed(ILogger logger, string connection, double seconds);

    [LoggerMessage(6007, LogLevel.Error, "STOMP connection {Connection} failed")]
    public static partial void UnexpectedError(ILogger logger, string connection, Exception exception);
}
