using System.Text;
using Courier.Amqp091.Framing;
using Courier.Amqp091.Mapping;
using Courier.Core;
using Courier.Core.Messages;
using Courier.Core.Security;
using Courier.Core.Sessions;

namespace Courier.Amqp091.Connections;

/// <summary>Channel 0: start, authentication, tune, open, close, and the other connection methods.</summary>
internal sealed partial class AmqpConnection
{
    private const string Mechanisms = "PLAIN AMQPLAIN";

    // EXTERNAL: the user is the verified TLS client certificate's CN, offered only when there is one.
    private const string MechanismsWithExternal = "PLAIN AMQPLAIN EXTERNAL";

    // The 0-9-1 spec's frame-min-size, which RabbitMQ 3.x enforces. The codegen file we generate
    // from (RabbitMQ's current one) says 8192; accepting the older, lower bound keeps every client
    // that works with RabbitMQ 3.x working here.
    private const uint MinimumFrameMax = 4096;

    private void SendStart()
    {
        _state = ConnectionState.AwaitingStartOk;
        Outbound.WriteMethod(0, new ConnectionStart
        {
            VersionMajor = 0,
            VersionMinor = 9,
            ServerProperties = new Dictionary<string, object?>
            {
                ["product"] = "Courier"u8.ToArray(),
                ["version"] = Encoding.UTF8.GetBytes(_options.ProductVersion),
                ["platform"] = Encoding.UTF8.GetBytes(".NET " + Environment.Version),
                ["copyright"] = "Courier contributors"u8.ToArray(),
                ["information"] = "Licensed under the Apache License 2.0"u8.ToArray(),
                ["cluster_name"] = Encoding.UTF8.GetBytes(_options.ClusterName),
                ["capabilities"] = ClientCapabilities.ServerCapabilities,
            },
            Mechanisms = Encoding.UTF8.GetBytes(CertificateUser is null ? Mechanisms : MechanismsWithExternal),
            Locales = "en_US"u8.ToArray(),
        });
    }

    private void HandleConnectionMethod(uint key, ref AmqpReader reader)
    {
        if (key == ConnectionClose.Key)
        {
            // As RabbitMQ does, a client may give up at any point of the handshake too: close-ok.
            _ = ConnectionClose.Read(ref reader);
            ReleaseChannels();
            AnswerClientClose();
            return;
        }

        switch (_state)
        {
            case ConnectionState.AwaitingStartOk when key == ConnectionStartOk.Key:
                OnStartOk(ConnectionStartOk.Read(ref reader));
                return;
            case ConnectionState.AwaitingTuneOk when key == ConnectionTuneOk.Key:
                OnTuneOk(ConnectionTuneOk.Read(ref reader));
                return;
            case ConnectionState.AwaitingOpen when key == ConnectionOpen.Key:
                OnOpen(ConnectionOpen.Read(ref reader));
                return;
            case ConnectionState.Open:
                break;
            default:
                throw new AmqpProtocolException(AmqpConstants.CommandInvalid, $"method {key >> 16}/{key & 0xFFFF} is not expected during the handshake");
        }

        switch (key)
        {
            case ConnectionCloseOk.Key:
                return;
            case ConnectionUpdateSecret.Key:
                _ = ConnectionUpdateSecret.Read(ref reader);
                Outbound.WriteMethod(0, new ConnectionUpdateSecretOk());
                return;
            case ConnectionBlocked.Key:
            case ConnectionUnblocked.Key:
                // A client may tell us it is blocked; nothing on our side depends on it.
                return;
            default:
                throw new AmqpProtocolException(AmqpConstants.CommandInvalid, $"method {key >> 16}/{key & 0xFFFF} is not valid on channel 0");
        }
    }

    private void OnStartOk(ConnectionStartOk method)
    {
        ClientCapabilities = ClientCapabilities.From(method.ClientProperties);
        ClientProperties = method.ClientProperties;
        User? user;
        string userName;
        if (method.Mechanism == "EXTERNAL" && CertificateUser is not null)
        {
            // The response (an authorisation identity, if any) is not read, as in RabbitMQ: the certificate is the identity.
            userName = CertificateUser;
            user = Broker.AuthenticateTrusted(userName, RemoteEndPoint);
        }
        else if (TryParseCredentials(method.Mechanism, method.Response, out userName, out var password))
        {
            user = Broker.Authenticate(userName, password, RemoteEndPoint);
        }
        else
        {
            throw new AmqpProtocolException(AmqpConstants.CommandInvalid, $"unknown authentication mechanism '{method.Mechanism}'");
        }

        if (user is null)
        {
            AmqpLog.LoginRefused(_logger, Name, userName, method.Mechanism);
            if (ClientCapabilities.AuthenticationFailureClose)
            {
                CloseConnection(
                    AmqpConstants.AccessRefused,
                    $"Login was refused using authentication mechanism {method.Mechanism}. For details see the broker logfile.",
                    0);
            }
            else
            {
                _finished = true;
            }

            return;
        }

        User = user;
        _state = ConnectionState.AwaitingTuneOk;
        Outbound.WriteMethod(0, new ConnectionTune
        {
            ChannelMax = _options.ChannelMax,
            FrameMax = _options.FrameMax,
            Heartbeat = _options.HeartbeatSeconds,
        });
    }

    /// <summary>An AMQPLAIN field (a long string, or a short one): invalid UTF-8 is refused, not rewritten into another user's name.</summary>
    private static string StrictLoginField(IReadOnlyDictionary<string, object?> table, string key) => table.GetValueOrDefault(key) switch
    {
        null => string.Empty,
        string text => text,
        byte[] bytes => StrictUtf8.TryDecode(bytes, out var text)
            ? text
            : throw new AmqpProtocolException(AmqpConstants.SyntaxError, $"AMQPLAIN {key} is not well-formed UTF-8"),
        _ => FieldTable.GetString(table, key) ?? string.Empty,
    };

    private static bool TryParseCredentials(string mechanism, byte[] response, out string userName, out string password)
    {
        userName = password = string.Empty;
        switch (mechanism)
        {
            case "PLAIN":
                {
                    // authzid NUL authcid NUL passwd; the authorisation identity is ignored.
                    var span = response.AsSpan();
                    var first = span.IndexOf((byte)0);
                    if (first < 0)
                    {
                        throw new AmqpProtocolException(AmqpConstants.SyntaxError, "PLAIN response without NUL separators");
                    }

                    var rest = span[(first + 1)..];
                    var second = rest.IndexOf((byte)0);
                    if (second < 0)
                    {
                        throw new AmqpProtocolException(AmqpConstants.SyntaxError, "PLAIN response without NUL separators");
                    }

                    if (!StrictUtf8.TryDecode(rest[..second], out var name) || !StrictUtf8.TryDecode(rest[(second + 1)..], out var secret))
                    {
                        throw new AmqpProtocolException(AmqpConstants.SyntaxError, "PLAIN user name or password is not well-formed UTF-8");
                    }

                    userName = name;
                    password = secret;

                    return true;
                }

            case "AMQPLAIN":
                {
                    // A field table without its length prefix: LOGIN and PASSWORD entries.
                    var framed = new byte[response.Length + 4];
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)response.Length);
                    response.CopyTo(framed, 4);
                    var reader = new AmqpReader(framed);
                    var table = reader.ReadTable();
                    userName = StrictLoginField(table, "LOGIN");
                    password = StrictLoginField(table, "PASSWORD");
                    return true;
                }

            default:
                return false;
        }
    }

    private void OnTuneOk(ConnectionTuneOk method)
    {
        if (method.FrameMax != 0 && method.FrameMax < MinimumFrameMax)
        {
            throw new AmqpProtocolException(AmqpConstants.NotAllowed, $"frame_max={method.FrameMax} < {MinimumFrameMax} min size");
        }

        if (method.FrameMax > _options.FrameMax)
        {
            throw new AmqpProtocolException(AmqpConstants.NotAllowed, $"frame_max={method.FrameMax} > {_options.FrameMax} max size");
        }

        if (method.ChannelMax > _options.ChannelMax)
        {
            throw new AmqpProtocolException(AmqpConstants.NotAllowed, $"channel_max={method.ChannelMax} > {_options.ChannelMax} max");
        }

        FrameMax = method.FrameMax == 0 ? _options.FrameMax : method.FrameMax;
        _channelMax = method.ChannelMax == 0 ? _options.ChannelMax : method.ChannelMax;
        _heartbeat = method.Heartbeat;
        _state = ConnectionState.AwaitingOpen;
    }

    private void OnOpen(ConnectionOpen method)
    {
        if (!Broker.TryGetVirtualHost(method.VirtualHost, out var virtualHost))
        {
            throw new AmqpProtocolException(AmqpConstants.NotAllowed, $"vhost {method.VirtualHost} not found");
        }

        if (!Broker.MayAccess(User!, virtualHost))
        {
            throw new AmqpProtocolException(AmqpConstants.NotAllowed, $"access to vhost '{method.VirtualHost}' refused for user '{User!.Name}'");
        }

        TakeConnectionSlot(virtualHost.Name);
        VirtualHost = virtualHost;
        Session = new ClientSession(AmqpConnectionHandler.ProtocolName, virtualHost.Name, User!.Name, RemoteEndPoint, this);
        virtualHost.AddSession(Session);
        _state = ConnectionState.Open;
        Outbound.WriteMethod(0, new ConnectionOpenOk());
        AmqpLog.Opened(_logger, Name, User!.Name, virtualHost.Name);
    }

    /// <summary>Once a second: handshake and close deadlines, heartbeats out, missed heartbeats in.</summary>
    private void OnTimer()
    {
        var now = _time.GetTimestamp();
        var state = _state;
        if (state == ConnectionState.Closing)
        {
            var closing = _time.GetElapsedTime(_closingSince, now);
            if (closing >= _options.CloseTimeout)
            {
                Abort();
            }
            else
            {
                // A timer may fire a little early: come back when the deadline has passed.
                _timer?.Change(_options.CloseTimeout - closing, TimerPeriod);
            }

            return;
        }

        if (state != ConnectionState.Open)
        {
            if (_time.GetElapsedTime(_connectedAt, now) >= _options.HandshakeTimeout)
            {
                AmqpLog.HandshakeTimeout(_logger, Name, _options.HandshakeTimeout);
                Abort();
            }

            return;
        }

        if (_heartbeat == 0)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(_heartbeat);
        if (!_readPaused && _time.GetElapsedTime(Volatile.Read(ref _lastReceived), now) > interval * 2)
        {
            AmqpLog.MissedHeartbeats(_logger, Name, _heartbeat);
            Abort();
            return;
        }

        var lastWrite = Outbound.LastWriteTimestamp;
        if (lastWrite == 0 || _time.GetElapsedTime(lastWrite, now) >= interval / 2)
        {
            Outbound.WriteHeartbeat();
        }
    }
}
