using System.Net;

namespace Courier.Core.Sessions;

/// <summary>
/// A client as the core knows it, whatever its protocol: an AMQP connection, and later an MQTT
/// session or a STOMP connection. It owns exclusive queues and consumers, and it is whom the core
/// asks to go away (a vhost deleted, a user's access revoked, an MQTT client id taken over).
/// </summary>
/// <remarks>
/// Identity is the instance (and <see cref="Id"/>, unique in the process): two sessions of the same
/// user from the same address are different owners. The protocol creates one when the client is
/// admitted to a vhost and keeps it until the client is gone.
/// </remarks>
public sealed class ClientSession
{
    private static long s_lastId;
    private readonly IClientSessionControl _control;

    public ClientSession(string protocol, string virtualHost, string user, EndPoint? remoteEndPoint, IClientSessionControl control)
    {
        Protocol = protocol;
        ProtocolKind = Statistics.StatisticsProtocols.OfListener(protocol);
        VirtualHost = virtualHost;
        User = user;
        RemoteEndPoint = remoteEndPoint;
        _control = control;
    }

    /// <summary>Unique among the sessions of this process, in the order they were created.</summary>
    public long Id { get; } = Interlocked.Increment(ref s_lastId);

    /// <summary>The listener's protocol name, e.g. <c>amqp</c>.</summary>
    public string Protocol { get; }

    /// <summary>The protocol as the statistics count it.</summary>
    public Messages.PublishingProtocol ProtocolKind { get; }

    public string VirtualHost { get; }

    /// <summary>The authenticated user's name.</summary>
    public string User { get; }

    public EndPoint? RemoteEndPoint { get; }

    /// <summary>When the session was admitted, in Unix milliseconds.</summary>
    public long ConnectedAt { get; } = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>What the protocol tells management about the session, when it tells anything.</summary>
    public IClientSessionDetails? Details => _control as IClientSessionDetails;

    /// <summary>
    /// Asks the client to go away, the protocol's way (AMQP: connection.close 320 with the reason).
    /// Returns at once; the session ends, and releases what it owns, when the protocol is done.
    /// </summary>
    public void Close(string reason) => _control.Close(reason);

    public override string ToString() => $"{Protocol} session {Id} (user '{User}', vhost '{VirtualHost}', from {RemoteEndPoint})";
}
