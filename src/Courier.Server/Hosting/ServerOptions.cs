namespace Courier.Server.Hosting;

/// <summary>
/// Everything the <c>courier</c> executable can be told, bound from (in rising precedence)
/// <c>courier.json</c>, <c>COURIER__*</c> environment variables and command-line flags.
/// See docs/configuration.md.
/// </summary>
public sealed class ServerOptions
{
    /// <summary>Where durable state is kept.</summary>
    public string DataDir { get; set; } = "./data";

    public AmqpListenerOptions Amqp { get; set; } = new();

    public MqttListenerOptions Mqtt { get; set; } = new();

    /// <summary>MQTT over WebSockets; the MQTT settings above apply to its connections too.</summary>
    public MqttWebSocketListenerOptions MqttWebSockets { get; set; } = new();

    /// <summary>The management HTTP API's listener.</summary>
    public HttpListenerOptions Http { get; set; } = new();

    /// <summary>The Prometheus metrics' listener.</summary>
    public PrometheusListenerOptions Prometheus { get; set; } = new();
    /// <summary>The certificate and client-certificate policy of every TLS listener.</summary>
    public TlsSettings Tls { get; set; } = new();

    /// <summary>AMQP 0-9-1 over TLS; open only with a certificate. The AMQP settings apply to its connections too.</summary>
    public AmqpsListenerOptions Amqps { get; set; } = new();

    /// <summary>MQTT over TLS; open only with a certificate. The MQTT settings apply to its connections too.</summary>
    public MqttsListenerOptions Mqtts { get; set; } = new();

    /// <summary>MQTT over secure WebSockets; open only with a certificate, on the MQTT WebSocket path.</summary>
    public MqttWebSocketsTlsListenerOptions MqttWebSocketsTls { get; set; } = new();

    /// <summary>STOMP over TLS; open only with a certificate. The STOMP settings apply to its connections too.</summary>
    public StompsListenerOptions Stomps { get; set; } = new();

    /// <summary>The management API over TLS (HTTPS); open only with a certificate.</summary>
    public HttpsListenerOptions Https { get; set; } = new();

    /// <summary>STOMP over secure WebSockets; open only with a certificate, on the STOMP WebSocket path.</summary>
    public StompWebSocketsTlsListenerOptions StompWebSocketsTls { get; set; } = new();

    public StompListenerOptions Stomp { get; set; } = new();

    /// <summary>STOMP over WebSockets; the STOMP settings above apply to its connections too.</summary>
    public StompWebSocketListenerOptions StompWebSockets { get; set; } = new();

    public BrokerSettings Broker { get; set; } = new();

    public StorageSettings Storage { get; set; } = new();

    public LogSettings Log { get; set; } = new();

    public SocketSettings Sockets { get; set; } = new();
}

public sealed class SocketSettings
{
    /// <summary>
    /// Socket completions run on the runtime's epoll threads instead of being handed to the thread
    /// pool (the runtime's <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>); process-wide, so it
    /// is applied by the <c>courier</c> executable before any socket exists. See <see cref="SocketCompletions"/>.
    /// </summary>
    public bool InlineCompletions { get; set; } = true;
}

public sealed class LogSettings
{
    /// <summary>The least severe level logged: Trace, Debug, Information (the default), Warning, Error, Critical or None.</summary>
    public Microsoft.Extensions.Logging.LogLevel Level { get; set; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>A file the log is appended to as well as the console; none by default.</summary>
    public string? File { get; set; }
}

public sealed class StorageSettings
{
    /// <summary><c>always</c> (fsync before confirming, the default), <c>batch</c>, or <c>never</c>.</summary>
    public string CommitPolicy { get; set; } = "always";

    /// <summary>With <c>batch</c>: how long the committer gathers appends before syncing.</summary>
    public int BatchWindowMicroseconds { get; set; } = 1000;

    /// <summary>With <c>batch</c>: sync early once this many bytes are pending.</summary>
    public int BatchBytes { get; set; } = 1024 * 1024;

    /// <summary>Size of a journal segment file, in MiB.</summary>
    public int SegmentSizeMiB { get; set; } = 64;
}

/// <summary>Where a protocol listener listens; each protocol's settings extend it.</summary>
public abstract class ListenerSettings
{
    /// <summary>Address to listen on: an IP address, or <c>0.0.0.0</c> / <c>::</c> for every interface.</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>TCP port; 0 lets the OS choose (tests).</summary>
    public abstract int Port { get; set; }
}

public sealed class AmqpListenerOptions : ListenerSettings
{
    public override int Port { get; set; } = 5672;

    public uint FrameMax { get; set; } = 131072;

    public ushort ChannelMax { get; set; } = 2047;

    public ushort Heartbeat { get; set; } = 60;

    /// <summary>
    /// Longest pause, in milliseconds, of a publishing connection whose queue's consumers are
    /// behind (queue flow); it resumes earlier when the queue drains to half.
    /// </summary>
    public int FlowPauseMilliseconds { get; set; } = 100;
}

public sealed class MqttListenerOptions : ListenerSettings
{
    public override int Port { get; set; } = 1883;

    /// <summary>A CONNECT without a username logs in as the default user (as RabbitMQ's plugin does); false refuses it.</summary>
    public bool AllowAnonymous { get; set; } = true;

    /// <summary>The largest packet a client may send, fixed header included; default 256 MiB.</summary>
    public int MaxPacketSize { get; set; } = 256 * 1024 * 1024;

    /// <summary>Unacknowledged QoS 1 deliveries per connection (lowered to the client's MQTT 5 Receive Maximum).</summary>
    public ushort Prefetch { get; set; } = 64;

    /// <summary>Topic aliases a 5.0 client may set (Topic Alias Maximum); 0 refuses them.</summary>
    public ushort TopicAliasMaximum { get; set; } = 16;

    /// <summary>The longest keep-alive in seconds a client may use (announced as Server Keep Alive); 0 for no limit.</summary>
    public ushort MaxKeepAlive { get; set; }

    /// <summary>Seconds a persistent session outlives its connection at most (a 5.0 client's interval is lowered to it); one day.</summary>
    public uint MaxSessionExpiry { get; set; } = 86_400;

    /// <summary>A CONNECT without a username on a TLS connection with a verified client certificate logs in as the certificate's CN (RabbitMQ's <c>ssl_cert_login</c>).</summary>
    public bool SslCertLogin { get; set; }
}

public sealed class BrokerSettings
{
    public string DefaultUser { get; set; } = "guest";

    public string DefaultPassword { get; set; } = "guest";

    public string DefaultVirtualHost { get; set; } = "/";

    /// <summary>
    /// Users allowed to connect only from loopback addresses; not set means <c>guest</c> (as
    /// RabbitMQ's <c>loopback_users</c>). Not given a default here: the configuration binder adds
    /// configured elements to a list's defaults, so a configured list could never leave guest out.
    /// </summary>
    public List<string>? LoopbackUsers { get; set; }

    /// <summary><see cref="LoopbackUsers"/>, or <c>guest</c> when it is not set.</summary>
    public IReadOnlyList<string> EffectiveLoopbackUsers => LoopbackUsers ?? ["guest"];

    public long MaxMessageSize { get; set; } = 128L * 1024 * 1024;

    /// <summary>
    /// Memory that message bodies may hold before publishers are blocked: a fraction of the
    /// machine's memory (a value up to 1, default 0.4 as in RabbitMQ) or a number of bytes.
    /// </summary>
    public double MemoryHighWatermark { get; set; } = 0.4;

    /// <summary>
    /// Ready messages a queue keeps in memory before it writes newer transient arrivals to the
    /// journal (default 65,536); 0 pages transient messages only under memory pressure.
    /// </summary>
    public int QueueReadyInMemory { get; set; } = 65_536;

    /// <summary>
    /// Body bytes a queue's in-memory head holds (besides its 1,024 messages) before persistent
    /// arrivals, and under memory pressure transient ones, wait behind it in the journal (default 8 MiB); 0: no byte bound.
    /// </summary>
    public long QueueHeadBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>Client connections the node keeps open at once, every protocol together (default 0: no limit).</summary>
    public int MaxConnections { get; set; }

    /// <summary>New client connections the node accepts per second, every protocol together (default 0: no limit).</summary>
    public int MaxConnectionRate { get; set; }

    /// <summary>Free bytes the data directory's disk must keep (default 50 MB, as in RabbitMQ); 0 turns the check off.</summary>
    public long DiskFreeLimit { get; set; } = 50L * 1000 * 1000;

    /// <summary>Topic permissions set at every start (and saved with the definitions), as RabbitMQ's <c>set_topic_permissions</c>.</summary>
    public List<TopicPermissionSettings> TopicPermissions { get; set; } = [];
}

/// <summary>One topic permission: a user's write and read patterns on the routing keys of one topic exchange in one vhost.</summary>
public sealed class TopicPermissionSettings
{
    public string User { get; set; } = "guest";

    public string VirtualHost { get; set; } = "/";

    public string Exchange { get; set; } = "amq.topic";

    public string Write { get; set; } = ".*";

    public string Read { get; set; } = ".*";
}
