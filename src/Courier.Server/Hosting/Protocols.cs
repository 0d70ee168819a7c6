using Courier.Amqp091.Connections;
using Courier.Mqtt.Server;
using Courier.Server.Tls;
using Courier.Stomp.Server;

namespace Courier.Server.Hosting;

/// <summary>The protocols a node speaks. Adding one (MQTT, STOMP) is one registration here, plus its settings in <see cref="ServerOptions"/>.</summary>
internal static class Protocols
{
    public static void Register(ProtocolListeners listeners, ServerOptions options)
    {
        listeners.Tls = TlsListenerSecurity.From(options.Tls);
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
            CertificateLogin = options.Mqtt.SslCertLogin,
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
        listeners.AddTls(AmqpConnectionHandler.ProtocolName, AmqpsProtocol, "AMQP 0-9-1 over TLS", options.Amqps);
        listeners.AddTls(MqttConnectionHandler.ProtocolName, MqttsProtocol, "MQTT over TLS", options.Mqtts);
        listeners.AddTls(MqttWebSocketProtocol, MqttWebSocketTlsProtocol, "MQTT over secure WebSockets", options.MqttWebSocketsTls);
        listeners.AddTls(StompConnectionHandler.ProtocolName, StompsProtocol, "STOMP over TLS", options.Stomps);
        listeners.AddTls(StompWebSocketProtocol, StompWebSocketTlsProtocol, "STOMP over secure WebSockets", options.StompWebSocketsTls);
    }

    /// <summary>The protocol name of the STOMP-over-TLS listener.</summary>
    public const string StompsProtocol = "stomps";

    /// <summary>The protocol name of the STOMP-over-secure-WebSockets listener.</summary>
    public const string StompWebSocketTlsProtocol = "stomp-wss";

    /// <summary>The protocol name of the STOMP-over-WebSockets listener (for <see cref="CourierHost.EndPointOf"/>).</summary>
    public const string StompWebSocketProtocol = "stomp-ws";

    // Room beyond the largest body for one frame's command and headers in a WebSocket message.
    private const long StompFrameOverhead = 16L * 1024 * 1024;

    /// <summary>The protocol name of the MQTT-over-WebSockets listener (for <see cref="CourierHost.EndPointOf"/>).</summary>
    public const string MqttWebSocketProtocol = "mqtt-ws";

    /// <summary>The protocol name of the AMQPS listener (AMQP 0-9-1 over TLS).</summary>
    public const string AmqpsProtocol = "amqps";

    /// <summary>The protocol name of the MQTT-over-TLS listener.</summary>
    public const string MqttsProtocol = "mqtts";

    /// <summary>The protocol name of the MQTT-over-secure-WebSockets listener.</summary>
    public const string MqttWebSocketTlsProtocol = "mqtt-wss";
}
