using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>Settings of the STOMP listener's connections (docs/stomp.md, docs/configuration.md).</summary>
public sealed record StompOptions
{
    /// <summary>A CONNECT without a <c>login</c> logs in as the broker's default user (RabbitMQ's plugin does the same with its <c>default_user</c>).</summary>
    public bool AllowAnonymous { get; init; } = true;

    /// <summary>What one frame may hold (command line, header count and size, body).</summary>
    public StompLimits Limits { get; init; } = StompLimits.Default;

    /// <summary>How long a client has to send CONNECT after the socket opens.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The server's own <c>heart-beat</c>: it can send every second and wants beats no more often
    /// than every second, so a client's intervals of a second or more are kept as the client asked.
    /// </summary>
    public StompHeartBeat HeartBeat { get; init; } = new(1000, 1000);

    /// <summary>
    /// How many of the client's agreed intervals may pass in silence before the connection is closed
    /// (1.2 leaves the margin to the server; network delays make exactly one too strict).
    /// </summary>
    public double HeartBeatGrace { get; init; } = 2.0;

    /// <summary>Bytes waiting for the socket past which subscriptions stop taking deliveries.</summary>
    public int OutboundHighWatermark { get; init; } = 1024 * 1024;

    /// <summary>Longest pause of a publishing connection whose queue's consumers are behind.</summary>
    public TimeSpan FlowPauseLimit { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The <c>server</c> header of CONNECTED, e.g. <c>Courier/1.0.0</c>.</summary>
    public string ServerName { get; init; } = "Courier";
}
