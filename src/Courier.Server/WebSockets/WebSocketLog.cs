using Microsoft.Extensions.Logging;

namespace Courier.Server.WebSockets;

/// <summary>Log messages of the WebSocket transport, with stable event ids (102xx).</summary>
internal static partial class WebSocketLog
{
    [LoggerMessage(10201, LogLevel.Information, "WebSocket upgrade from {RemoteEndPoint} refused: {Status}, {Reason}")]
    public static partial void UpgradeRefused(ILogger logger, string? remoteEndPoint, int status, string reason);

    [LoggerMessage(10202, LogLevel.Debug, "WebSocket connection {Connection} opened with subprotocol '{SubProtocol}'")]
    public static partial void Opened(ILogger logger, string connection, string subProtocol);

    [LoggerMessage(10203, LogLevel.Warning, "WebSocket connection {Connection} closing with status {Status}: {Reason}")]
    public static partial void ProtocolError(ILogger logger, string connection, int status, string reason);
}
