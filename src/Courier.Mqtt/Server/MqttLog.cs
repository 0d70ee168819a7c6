using Microsoft.Extensions.Logging;

namespace Courier.Mqtt.Server;

/// <summary>Log messages of MQTT connections, with stable event ids (3xxx).</summary>
internal static partial class MqttLog
{
    [LoggerMessage(3001, LogLevel.Debug, "Accepted MQTT connection {Connection}")]
    public static partial void Accepted(ILogger logger, string connection);

    [LoggerMessage(3002, LogLevel.Information, "MQTT connection {Connection} opened: client id '{ClientId}', MQTT {Version}, user '{User}', vhost '{VirtualHost}'")]
    public static partial void Opened(ILogger logger, string connection, string clientId, string version, string user, string virtualHost);

    [LoggerMessage(3003, LogLevel.Information, "MQTT connection {Connection} closed")]
    public static partial void Closed(ILogger logger, string connection);

    [LoggerMessage(3004, LogLevel.Warning, "MQTT connection {Connection} closed: reason 0x{ReasonCode:X2}, {Message}")]
    public static partial void ClosedWithError(ILogger logger, string connection, byte reasonCode, string message);

    [LoggerMessage(3005, LogLevel.Warning, "MQTT connection {Connection} refused: CONNACK 0x{ReasonCode:X2}, {Message}")]
    public static partial void Refused(ILogger logger, string connection, byte reasonCode, string message);

    [LoggerMessage(3006, LogLevel.Warning, "MQTT connection {Connection}: no packet for {Seconds} s, 1.5 times its keep-alive; closing")]
    public static partial void KeepAliveExpired(ILogger logger, string connection, double seconds);

    [LoggerMessage(3007, LogLevel.Information, "MQTT connection {Connection}: client id '{ClientId}' taken over by a new connection")]
    public static partial void TakenOver(ILogger logger, string connection, string clientId);

    [LoggerMessage(3008, LogLevel.Error, "MQTT connection {Connection} failed")]
    public static partial void UnexpectedError(ILogger logger, string connection, Exception exception);

    [LoggerMessage(3009, LogLevel.Warning, "MQTT connection {Connection}: no CONNECT within {Timeout}; closing")]
    public static partial void ConnectTimeout(ILogger logger, string connection, TimeSpan timeout);
}
