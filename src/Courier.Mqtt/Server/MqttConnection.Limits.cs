using Courier.Core.Queues;
using Courier.Mqtt.Packets;
using Courier.Mqtt.Retained;

namespace Courier.Mqtt.Server;

/// <summary>
/// What MQTT 5.0 lets each side limit, and the PUBLISH a delivery goes out as: topic aliases both
/// ways, the client's Maximum Packet Size, the broker's maximum keep-alive (Server Keep Alive), and
/// the time a message has left (Message Expiry Interval) when it is delivered.
/// </summary>
internal sealed partial class MqttConnection
{
    // 5.0 only: the aliases the client sets and the ones the broker assigns to its deliveries.
    private MqttTopicAliases? _aliases;
    private static readonly TimeSpan LingerIdle = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LingerLimit = TimeSpan.FromSeconds(5);
    private ushort? _serverKeepAlive;
    private bool _lingerAfterDisconnect;

    /// <summary>
    /// At CONNECT: the keep-alive the connection is held to (the client's, or the broker's maximum
    /// when it asks for more or for none), and, in 5.0, the client's topic alias and packet size
    /// limits. False when the CONNECT was refused (a 3.1.1 keep-alive past the maximum).
    /// </summary>
    private bool NegotiateLimits(MqttConnect connect)
    {
        _keepAlive = connect.KeepAlive;
        var maximum = _options.MaximumKeepAlive;
        if (maximum > 0 && (_keepAlive == 0 || _keepAlive > maximum))
        {
            if (!IsV5)
            {
                // 3.1.1 cannot be told a shorter interval: refused, as Mosquitto's max_keepalive does.
                Refuse(MqttServerReason.V3IdentifierRejected, 0, $"keep-alive {_keepAlive} is above the broker's maximum of {maximum} seconds");
                return false;
            }

            _keepAlive = maximum;
            _serverKeepAlive = maximum;
        }

        if (IsV5)
        {
            var properties = connect.Properties;
            _aliases = new MqttTopicAliases(_options.TopicAliasMaximum, properties?.TopicAliasMaximum ?? 0);
            if (properties?.MaximumPacketSize is { } clientMaximum)
            {
                Outbound.ClientMaximumPacketSize = clientMaximum;
            }
        }

        return true;
    }

    /// <summary>The topic a client's PUBLISH is for: its own, or (5.0) the one its topic alias stands for.</summary>
    private string TopicOf(MqttPublish publish) =>
        publish.Properties?.TopicAlias is { } alias ? _aliases!.Resolve(publish.Topic, alias) : publish.Topic;

    /// <summary>
    /// The PUBLISH a delivery of <paramref name="queued"/> goes out as, or null when it would be
    /// larger than the client's Maximum Packet Size: then it is not sent and counts as delivered
    /// (spec 3.1.2.11.4). Called under the delivery gate, so aliases are assigned in write order.
    /// </summary>
    private MqttPublish? DeliveryLocked(string topic, MqttQos qos, ushort packetId, QueuedMessage queued, bool retainAsPublished, List<uint>? identifiers, bool allowAlias = true)
    {
        var message = queued.Message;
        var properties = IsV5 ? WithIdentifiers(MqttMessageMapper.ToMqtt(message), identifiers) : null;
        if (properties?.MessageExpiryInterval is not null && queued.ExpiresAt > 0)
        {
            // What it has left: its interval minus its time in the broker (spec 3.3.2.3.3), rounded
            // up; a message past its deadline is never handed out by the queue.
            var left = queued.ExpiresAt - Broker.Time.GetUtcNow().ToUnixTimeMilliseconds();
            properties.MessageExpiryInterval = (uint)Math.Min(properties.MessageExpiryInterval.Value, (Math.Max(0, left) + 999) / 1000);
        }

        var name = topic;
        if (_aliases is not null && allowAlias)
        {
            (name, var alias) = _aliases.ForDelivery(topic);
            if (alias is not null)
            {
                (properties ??= new()).TopicAlias = alias;
            }
        }

        var publish = new MqttPublish
        {
            Topic = name,
            QoS = qos,
            PacketId = packetId,
            Dup = qos != MqttQos.AtMostOnce && queued.Redelivered,
            Retain = RetainedMessages.IsRetainedDelivery(message) || (retainAsPublished && message.Annotations.Retain),
            Payload = message.Body,
            Properties = properties,
        };
        return Outbound.ClientMaximumPacketSize == long.MaxValue || MqttPacketLimit.Fits(publish, _version, Outbound.ClientMaximumPacketSize)
            ? publish
            : null;
    }

    /// <summary>A delivery was written: an alias it set is the client's from now on.</summary>
    private void DeliveredLocked(string topic, MqttPublish publish)
    {
        if (publish.Properties?.TopicAlias is { } alias && publish.Topic.Length > 0)
        {
            _aliases!.Commit(topic, alias);
        }
    }

    /// <summary>
    /// After a DISCONNECT for an error (5.0), the connection reads and drops what the client still
    /// sends, until the client closes, nothing has come for <see cref="LingerIdle"/>, or
    /// <see cref="LingerLimit"/> has passed. Closing at once, with the client's packets unread,
    /// would reset the socket: a client still sending (PUBRELs for the PUBRECs ahead of the
    /// DISCONNECT, as the Paho suite's test_flow_control2 does) gets a broken pipe before it reads
    /// why it was disconnected.
    /// </summary>
    private async Task LingerAfterDisconnectAsync()
    {
        if (!_lingerAfterDisconnect || _lifetime.IsCancellationRequested)
        {
            return;
        }

        var input = _transport.Input;
        var started = _time.GetTimestamp();
        try
        {
            while (_time.GetElapsedTime(started) < LingerLimit)
            {
                using var idle = new CancellationTokenSource(LingerIdle, _time);
                var result = await input.ReadAsync(idle.Token).ConfigureAwait(false);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException || IsTransportGone(e) || e is InvalidOperationException)
        {
            // Idle, gone, or the reader was already completed: close now.
        }
    }
}
