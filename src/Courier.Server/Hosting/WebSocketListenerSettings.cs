namespace Courier.Server.Hosting;

/// <summary>Where a protocol's WebSocket listener listens, and on which path it accepts upgrades.</summary>
public abstract class WebSocketListenerSettings : ListenerSettings
{
    /// <summary>The request path of the upgrade, e.g. <c>/ws</c> (RabbitMQ's default); requests for other paths get 404.</summary>
    public string Path { get; set; } = "/ws";
}

/// <summary>MQTT over WebSockets (subprotocol <c>mqtt</c>), as RabbitMQ's Web MQTT plugin serves it on 15675.</summary>
public sealed class MqttWebSocketListenerOptions : WebSocketListenerSettings
{
    public override int Port { get; set; } = 15675;
}
