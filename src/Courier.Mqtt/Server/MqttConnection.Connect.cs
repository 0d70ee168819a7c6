using System.Security.Cryptography;
using Courier.Core.Messages;
using Courier.Core.Sessions;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>CONNECT: client identifier rules, authentication and vhost, keep-alive, take-over, CONNACK.</summary>
internal sealed partial class MqttConnection
{
    private MqttWill? _will;
    private bool _disconnectedCleanly;

    private async Task OnConnectAsync(MqttConnect connect)
    {
        _version = connect.ProtocolVersion;
        Outbound.Version = _version;
        var properties = connect.Properties;

        var clientId = connect.ClientId;
        var assigned = false;
        if (clientId.Length == 0)
        {
            // 3.1.1 MQTT-3.1.3-8: an empty id needs clean session; 3.1 requires an id at all.
            if (_version == MqttProtocolVersion.V310 || (!connect.CleanStart && !IsV5))
            {
                Refuse(MqttServerReason.V3IdentifierRejected, MqttServerReason.ClientIdentifierNotValid, "an empty client id needs clean session 1");
                return;
            }

            clientId = "courier-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
            assigned = IsV5;
        }

        if (properties?.AuthenticationMethod is { } method)
        {
            Refuse(0, MqttServerReason.BadAuthenticationMethod, $"enhanced authentication method '{method}' is not supported");
            return;
        }

        if (!Authenticate(connect))
        {
            return;
        }

        if (!NegotiateLimits(connect))
        {
            return;
        }

        _maxInFlight = Math.Min(_options.MaximumInFlight, properties?.ReceiveMaximum ?? ushort.MaxValue);

        ClientId = clientId;
        _will = connect.Will;
        Session = new ClientSession(MqttConnectionHandler.ProtocolName, VirtualHost!.Name, User!.Name, RemoteEndPoint, this);
        VirtualHost.AddSession(Session);
        _registered = true;
        if (_registry.Register(VirtualHost.Name, clientId, this) is { } previous)
        {
            // Its subscription queues carry this client id: wait (bounded) until it has released them.
            previous.TakeOver();
            try
            {
                await previous.Ended.WaitAsync(_options.TakeOverTimeout, _lifetime.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // It is stuck; this connection goes on, and a declare that collides fails on its own.
            }
        }

        var sessionPresent = StartSession(connect);
        var connAckProperties = IsV5 ? ConnAckProperties(assigned ? clientId : null) : null;
        if (connAckProperties is not null)
        {
            connAckProperties.SessionExpiryInterval = AnnouncedSessionExpiry(connect);
        }

        Outbound.Write(new MqttConnAck { ReasonCode = 0, SessionPresent = sessionPresent, Properties = connAckProperties });
        _connected = true;
        if (sessionPresent)
        {
            ResumeSession();
        }

        MqttLog.Opened(_logger, Name, clientId, VersionName(_version), User!.Name, VirtualHost.Name);
    }

    /// <summary>Checks the username and password, or admits an anonymous client as the default user; picks the vhost.</summary>
    private bool Authenticate(MqttConnect connect)
    {
        string userName;
        string? password;
        var virtualHostName = Broker.Options.DefaultVirtualHost;
        if (connect.UserName is null && _options.CertificateLogin && CertificateUser is not null)
        {
            // The verified client certificate is the identity: no password (RabbitMQ's ssl_cert_login).
            userName = CertificateUser;
            password = null;
        }
        else if (connect.UserName is null)
        {
            if (!_options.AllowAnonymous)
            {
                Refuse(MqttServerReason.V3NotAuthorized, MqttServerReason.NotAuthorized, "anonymous connections are not allowed");
                return false;
            }

            userName = Broker.Options.DefaultUser;
            password = Broker.Options.DefaultPassword;
        }
        else
        {
            // "vhost:user" selects the vhost, as RabbitMQ's plugin reads it.
            userName = connect.UserName;
            var colon = userName.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                virtualHostName = userName[..colon];
                userName = userName[(colon + 1)..];
            }

            // Binary data on the wire; passwords are text here, and one rewritten to U+FFFD would
            // let "\xff" log in where the password is "\xfe": invalid UTF-8 is a refused login.
            password = string.Empty;
            if (connect.Password is not null && !StrictUtf8.TryDecode(connect.Password, out password))
            {
                Refuse(MqttServerReason.V3BadUserNameOrPassword, MqttServerReason.BadUserNameOrPassword, $"login refused for user '{userName}': the password is not well-formed UTF-8");
                return false;
            }
        }

        var user = password is null ? Broker.AuthenticateTrusted(userName, RemoteEndPoint) : Broker.Authenticate(userName, password, RemoteEndPoint);
        if (user is null)
        {
            Refuse(MqttServerReason.V3BadUserNameOrPassword, MqttServerReason.BadUserNameOrPassword, $"login refused for user '{userName}'");
            return false;
        }

        if (!Broker.TryGetVirtualHost(virtualHostName, out var virtualHost) || !Broker.MayAccess(user, virtualHost))
        {
            Refuse(MqttServerReason.V3NotAuthorized, MqttServerReason.NotAuthorized, $"access to vhost '{virtualHostName}' refused for user '{userName}'");
            return false;
        }

        if (!TakeConnectionSlot(user.Name, virtualHost.Name))
        {
            return false;
        }

        User = user;
        VirtualHost = virtualHost;
        return true;
    }

    private MqttProperties ConnAckProperties(string? assignedClientId) => new()
    {
        AssignedClientIdentifier = assignedClientId,
        // Absent means "only the protocol's limit" (and clients such as paho refuse values past 268,435,455).
        MaximumPacketSize = _options.MaximumPacketSize < VariableByteInteger.MaxValue ? (uint)_options.MaximumPacketSize : null,
        SharedSubscriptionAvailable = true,
        SubscriptionIdentifiersAvailable = true,
        TopicAliasMaximum = _options.TopicAliasMaximum > 0 ? _options.TopicAliasMaximum : null,
        ServerKeepAlive = _serverKeepAlive,
        ReceiveMaximum = ReceiveMaximum,
    };

    /// <summary>Answers CONNACK with a failure (the 3.1.1 return code or the 5.0 reason code and a reason string) and closes.</summary>
    private void Refuse(byte v3Code, byte v5Code, string message)
    {
        var code = IsV5 ? v5Code : v3Code;
        MqttLog.Refused(_logger, Name, code, message);
        Outbound.Write(new MqttConnAck
        {
            ReasonCode = code,
            Properties = IsV5 ? new MqttProperties { ReasonString = message } : null,
        });
        _finished = true;
    }

    private static string VersionName(MqttProtocolVersion version) => version switch
    {
        MqttProtocolVersion.V310 => "3.1",
        MqttProtocolVersion.V311 => "3.1.1",
        _ => "5.0",
    };
}
