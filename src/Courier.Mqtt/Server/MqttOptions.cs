namespace Courier.Mqtt.Server;

/// <summary>Settings of the MQTT listener's connections (docs/mqtt.md, docs/configuration.md).</summary>
public sealed record MqttOptions
{
    /// <summary>
    /// The largest packet a client may send, fixed header included (the MQTT 5.0 Maximum Packet
    /// Size the CONNACK announces). 256 MiB, RabbitMQ's <c>max_packet_size_authenticated</c>: MQTT's
    /// own limit is one byte less than 256 MiB + 5, so by default only the protocol limits a packet.
    /// The message size limit of the broker applies to the payload on top.
    /// </summary>
    public int MaximumPacketSize { get; init; } = 256 * 1024 * 1024;

    /// <summary>A CONNECT without a username logs in as the broker's default user (RabbitMQ's plugin does the same).</summary>
    public bool AllowAnonymous { get; init; } = true;

    /// <summary>A CONNECT without a username on a connection with a verified TLS client certificate logs in as the certificate's CN (RabbitMQ's <c>ssl_cert_login</c>).</summary>
    public bool CertificateLogin { get; init; }

    /// <summary>Unacknowledged QoS 1 deliveries per connection, lowered to the client's v5 Receive Maximum (RabbitMQ's <c>mqtt.prefetch</c> is 10).</summary>
    public ushort MaximumInFlight { get; init; } = 64;

    /// <summary>How long a client has to send CONNECT after the socket opens.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a new connection waits for the one it takes over (same client id) to end.</summary>
    public TimeSpan TakeOverTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes waiting for the socket past which subscriptions stop taking deliveries.</summary>
    public int OutboundHighWatermark { get; init; } = 1024 * 1024;

    /// <summary>
    /// The longest a persistent session outlives its connection: a 5.0 Session Expiry Interval is
    /// lowered to it, and a 3.1.1 clean session 0 session lasts this long (RabbitMQ's
    /// <c>max_session_expiry_interval_seconds</c>, one day).
    /// </summary>
    public TimeSpan MaxSessionExpiry { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Longest pause of a publishing connection whose queue's consumers are behind.</summary>
    public TimeSpan FlowPauseLimit { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Topic aliases a 5.0 client may set (the Topic Alias Maximum in CONNACK); 0 refuses them. RabbitMQ's default is 16.</summary>
    public ushort TopicAliasMaximum { get; init; } = 16;

    /// <summary>
    /// The longest keep-alive, in seconds, the broker allows; 0 for no limit. A 5.0 client asking
    /// for more (or for 0) is told this one as Server Keep Alive; a 3.1.1 one is refused.
    /// </summary>
    public ushort MaximumKeepAlive { get; init; }
}
