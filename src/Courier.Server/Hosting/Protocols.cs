using Courier.Amqp091.Connections;
using Courier.Mqtt.Server;
using Courier.Stomp.Server;

namespace Courier.Server.Hosting;

/// <summary>The protocols a node speaks. Adding one (MQTT, STOMP) is one registration here, plus its settings in <see cref="ServerOptions"/>.</summary>
internal static class Protocols
{
    public static void Register(ProtocolListeners listeners, ServerOptions options)
    {
        listeners.Add<AmqpConnectionHandler, AmqpOptions>(AmqpConnectionHandler.ProtocolName, "AMQP 0-9-1", options.Amqp, new AmqpOptions
        {
            FrameMax = options.Amqp.FrameMax,
            ChannelMax = options.Amqp.ChannelMax,
            HeartbeatSeconds = options.Amqp.Heartbeat,
            FlowPauseLimit = TimeSpan.FromMilliseconds(Math.Max(1, options.Amqp.FlowPauseMilliseconds)),
            ProductVersion = CourierHost.Version,
        });
        listeners.Add<MqttConnectionHandler, MqttOptions>(MqttConnectionHandler.ProtocolName, "MQTT 3.1/3.1.1/5.0", options.Mqtt, new MqttOptions
        {
            AllowAnonymous = options.Mqtt.AllowAnonymous,
            MaximumPacketSize = options.Mqtt.MaxPacketSize,
            MaximumInFlight = options.Mqtt.Prefetch,
            TopicAliasMaximum = options.Mqtt.TopicAliasMaximum,
            MaximumKeepAlive = options.Mqtt.MaxKeepAlive,
            MaxSessionExpiry = TimeSpan.FromSeconds(Math.Max(1, options.Mqtt.MaxSessionExpiry)),
            FlowPauseLimit = TimeSpan.FromMilliseconds(Math.Max(1, options.Amqp.FlowPauseMilliseconds)),
        });
        listeners.AddWebSocket<MqttConnectionHandler>(MqttWebSocketProtocol, "MQTT over WebSockets", options.MqttWebSockets, ["mqtt", "mqttv3.1"], options.Mqtt.MaxPacketSize);
        var stomp = new StompOptions
        {
            AllowAnonymous = options.Stomp.AllowAnonymous,
            ServerName = "Courier/" + CourierHost.Version,
            FlowPauseLimit = TimeSpan.FromMilliseconds(Math.Max(1, options.Amqp.FlowPauseMilliseconds)),
        };
        listeners.Add<StompConnectionHandler, StompOptions>(StompConnectionHandler.ProtocolName, "STOMP 1.0/1.1/1.2", options.Stomp, stomp);
        listeners.AddWebSocket<StompConnectionHandler>(StompWebSocketProtocol, "STOMP over WebSockets", options.StompWebSockets, ["v12.stomp", "v11.stomp", "v10.stomp"], stomp.Limits.MaxBodySize + StompFrameOverhead, textProtocol: true);
    }

    /// <summary>The protocol name of the STOMP-over-WebSockets listener (for <see cref="CourierHost.EndPointOf"/>).</summary>
    public const string StompWebSocketProtocol = "stomp-ws";

    // Room beyond the largest body for one frame's command and headers in a WebSocket message.
    private const long StompFrameOverhead = 16L * 1024 * 1024;

    /// <summary>The protocol name of the MQTT-over-WebSockets listener (for <see cref="CourierHost.EndPointOf"/>).</summary>
    public const string MqttWebSocketProtocol = "mqtt-ws";
}
