namespace Courier.Amqp091.Connections;

/// <summary>Settings of the AMQP 0-9-1 listener and the limits it negotiates with clients.</summary>
public sealed record AmqpOptions
{
    /// <summary>Largest frame the server accepts and proposes in connection.tune (RabbitMQ's default, 128 KiB).</summary>
    public uint FrameMax { get; init; } = 131072;

    /// <summary>Highest channel number a client may open (RabbitMQ's default).</summary>
    public ushort ChannelMax { get; init; } = 2047;

    /// <summary>Heartbeat interval proposed in connection.tune, in seconds; 0 proposes none.</summary>
    public ushort HeartbeatSeconds { get; init; } = 60;

    /// <summary>How long a client has from connecting to finishing connection.open.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the server waits for close-ok after it sent connection.close.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// After answering a client's connection.close, how long the server keeps reading (and
    /// dropping) what the client still sends before it closes the socket, unless the client closes
    /// first. Closing with unread input makes the kernel reset the connection, and a reset can destroy
    /// the close-ok before the client reads it; some clients (amqplib) send connection.close ahead of
    /// publishes still buffered on their side.
    /// </summary>
    public TimeSpan CloseLinger { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The most bytes the server drops during <see cref="CloseLinger"/> before it closes the socket anyway.</summary>
    public long CloseLingerBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// Bytes queued for a connection's socket beyond which consumers on it stop receiving deliveries
    /// until the socket drains (the queue keeps the messages meanwhile).
    /// </summary>
    public int OutboundHighWatermark { get; init; } = 1024 * 1024;

    /// <summary>
    /// Longest a publishing connection stops reading when it published to a queue whose consumers
    /// are behind (queue flow, see <c>IQueue.IsFlowLimited</c>); it reads again as soon as the queue
    /// is released.
    /// </summary>
    public TimeSpan FlowPauseLimit { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The product name, version and cluster name advertised in connection.start.</summary>
    public string ProductVersion { get; init; } = "0.1.0";

    public string ClusterName { get; init; } = "courier@localhost";
}
