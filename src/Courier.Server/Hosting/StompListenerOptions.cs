namespace Courier.Server.Hosting;

/// <summary>The STOMP listener (docs/stomp.md), on RabbitMQ's STOMP port.</summary>
public sealed class StompListenerOptions : ListenerSettings
{
    public override int Port { get; set; } = 61613;

    /// <summary>A CONNECT without a <c>login</c> logs in as the default user (as RabbitMQ's plugin does); false refuses it.</summary>
    public bool AllowAnonymous { get; set; } = true;
}

/// <summary>STOMP over WebSockets (subprotocols <c>v10.stomp</c>, <c>v11.stomp</c>, <c>v12.stomp</c>), as RabbitMQ's Web STOMP plugin serves it on 15674.</summary>
public sealed class StompWebSocketListenerOptions : WebSocketListenerSettings
{
    public override int Port { get; set; } = 15674;
}
