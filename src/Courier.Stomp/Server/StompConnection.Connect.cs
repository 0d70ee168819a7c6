using System.Security.Cryptography;
using Courier.Core.Sessions;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>CONNECT and STOMP: version and heart-beat negotiation, login and vhost, CONNECTED.</summary>
internal sealed partial class StompConnection
{
    private string _sessionId = string.Empty;
    private Courier.Core.Resources.ConnectionLease? _lease;

    private void OnConnect(StompFrame frame)
    {
        _connectSeen = true;
        if (StompVersions.Negotiate(frame[StompHeaderNames.AcceptVersion]) is not { } version)
        {
            CloseWithError($"Supported protocol versions are {StompVersions.Supported}", receiptId: null, listVersions: true);
            return;
        }

        _version = version;
        Outbound.Version = version;
        var clientHeartBeat = StompHeartBeat.Parse(frame[StompHeaderNames.HeartBeat]);
        if (!Authenticate(frame))
        {
            return;
        }

        try
        {
            // The node's --max-connection-rate and --max-connections, the vhost's and the user's
            // max-connections, shared with AMQP and MQTT.
            _lease = Broker.OpenConnection(User!.Name, VirtualHost!.Name);
        }
        catch (Courier.Core.BrokerException e)
        {
            CloseWithError(e.Message, receiptId: null);
            return;
        }

        _heartBeats = StompHeartBeat.Negotiate(clientHeartBeat, _options.HeartBeat);
        _sessionId = "session-" + StompNames.Base64Url(RandomNumberGenerator.GetBytes(16));
        Session = new ClientSession(StompConnectionHandler.ProtocolName, VirtualHost!.Name, User!.Name, RemoteEndPoint, this);

        // Listed by management (and closed with its vhost) as AMQP and MQTT sessions are; the close path's ReleaseOwner removes it.
        VirtualHost.AddSession(Session);
        Outbound.Write(new StompFrame(StompCommand.Connected,
        [
            new(StompHeaderNames.Server, _options.ServerName),
            new(StompHeaderNames.Session, _sessionId),
            // The intervals agreed, as RabbitMQ answers: what this server sends at, then what it expects.
            new(StompHeaderNames.HeartBeat, $"{(long)_heartBeats.ServerToClient.TotalMilliseconds},{(long)_heartBeats.ClientToServer.TotalMilliseconds}"),
            new(StompHeaderNames.Version, version.ToHeaderValue()),
        ]));
        _connected = true;
        StompLog.Opened(_logger, Name, version.ToHeaderValue(), User.Name, VirtualHost.Name);
        Rearm(TimeSpan.Zero);
    }

    /// <summary>Checks <c>login</c> and <c>passcode</c>, or admits an anonymous client as the default user; picks the vhost from <c>host</c>.</summary>
    private bool Authenticate(StompFrame frame)
    {
        var userName = frame[StompHeaderNames.Login];
        var password = frame[StompHeaderNames.Passcode] ?? string.Empty;
        if (userName is null)
        {
            if (!_options.AllowAnonymous)
            {
                CloseWithError("Access refused: anonymous connections are not allowed (send login and passcode)", receiptId: null);
                return false;
            }

            userName = Broker.Options.DefaultUser;
            password = Broker.Options.DefaultPassword;
        }

        // A host naming no vhost of this node (often the server's DNS name) selects the default vhost, as in RabbitMQ.
        var host = frame[StompHeaderNames.Host];
        var virtualHostName = host is not null && Broker.TryGetVirtualHost(host, out _) ? host : Broker.Options.DefaultVirtualHost;
        var user = Broker.Authenticate(userName, password, RemoteEndPoint);
        if (user is null)
        {
            CloseWithError($"Access refused for user '{userName}'", receiptId: null);
            return false;
        }

        if (!Broker.TryGetVirtualHost(virtualHostName, out var virtualHost) || !Broker.MayAccess(user, virtualHost))
        {
            CloseWithError($"Access refused for user '{userName}' to vhost '{virtualHostName}'", receiptId: null);
            return false;
        }

        User = user;
        VirtualHost = virtualHost;
        return true;
    }
}
