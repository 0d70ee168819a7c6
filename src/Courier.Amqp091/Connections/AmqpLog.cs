using Microsoft.Extensions.Logging;

namespace Courier.Amqp091.Connections;

/// <summary>Log messages of AMQP connections, with stable event ids (1xxx).</summary>
internal static partial class AmqpLog
{
    [LoggerMessage(1001, LogLevel.Debug, "Accepted AMQP connection {Connection}")]
    public static partial void Accepted(ILogger logger, string connection);

    [LoggerMessage(1002, LogLevel.Information, "AMQP connection {Connection} opened: user '{User}', vhost '{VirtualHost}'")]
    public static partial void Opened(ILogger logger, string connection, string user, string virtualHost);

    [LoggerMessage(1003, LogLevel.Information, "AMQP connection {Connection} closed")]
    public static partial void Closed(ILogger logger, string connection);

    [LoggerMessage(1004, LogLevel.Warning, "AMQP connection {Connection} closed with error {ReplyCode}: {ReplyText}")]
    public static partial void ClosedWithError(ILogger logger, string connection, int replyCode, string replyText);

    [LoggerMessage(1005, LogLevel.Warning, "AMQP connection {Connection}: channel {Channel} closed with error {ReplyCode}: {ReplyText}")]
    public static partial void ChannelError(ILogger logger, string connection, int channel, int replyCode, string replyText);

    [LoggerMessage(1006, LogLevel.Warning, "AMQP connection {Connection}: login refused for user '{User}' (mechanism {Mechanism})")]
    public static partial void LoginRefused(ILogger logger, string connection, string user, string mechanism);

    [LoggerMessage(1007, LogLevel.Warning, "AMQP connection {Connection}: missed heartbeats from client, timeout {Timeout}s")]
    public static partial void MissedHeartbeats(ILogger logger, string connection, int timeout);

    [LoggerMessage(1008, LogLevel.Warning, "AMQP connection {Connection}: sent an unsupported protocol header; answered with AMQP 0-9-1 and closed")]
    public static partial void BadProtocolHeader(ILogger logger, string connection);

    [LoggerMessage(1009, LogLevel.Warning, "AMQP connection {Connection}: handshake not completed within {Timeout}")]
    public static partial void HandshakeTimeout(ILogger logger, string connection, TimeSpan timeout);

    [LoggerMessage(1010, LogLevel.Error, "AMQP connection {Connection}: unexpected error; closing it")]
    public static partial void UnexpectedError(ILogger logger, string connection, Exception exception);
}
