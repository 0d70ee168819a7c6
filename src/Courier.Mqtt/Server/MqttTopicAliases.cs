using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// MQTT 5.0 topic aliases of one connection, both ways (spec 3.3.2.3.4): the ones the client sets
/// on its publishes (up to the Topic Alias Maximum the CONNACK announced), and the ones the broker
/// assigns to its deliveries (up to the Topic Alias Maximum the client's CONNECT announced).
/// </summary>
/// <remarks>
/// Inbound aliases are used only by the connection's reader. Outbound ones are assigned under the
/// connection's delivery gate, in the order the PUBLISH packets are written, so the first packet
/// that carries an alias also carries its topic. An alias is assigned to a topic for the life of
/// the connection and never replaced: once the client's maximum is used, other topics go out in
/// full, without an alias (docs/mqtt.md).
/// </remarks>
internal sealed class MqttTopicAliases
{
    private readonly string?[] _inbound;
    private readonly Dictionary<string, ushort> _outbound = new(StringComparer.Ordinal);
    private readonly ushort _outboundMaximum;

    public MqttTopicAliases(ushort inboundMaximum, ushort outboundMaximum)
    {
        _inbound = new string?[inboundMaximum + 1];
        _outboundMaximum = outboundMaximum;
    }

    /// <summary>The topic of a client's PUBLISH: its own, which sets its alias if it has one, or the one its alias stands for.</summary>
    /// <exception cref="MqttProtocolException">0x94: the alias is above the maximum, or unknown with an empty topic.</exception>
    public string Resolve(string topic, ushort? alias)
    {
        if (alias is not { } value)
        {
            return topic;
        }

        if (value == 0 || value >= _inbound.Length)
        {
            throw new MqttProtocolException(MqttServerReason.TopicAliasInvalid, $"topic alias {value} is outside 1..{_inbound.Length - 1} (the Topic Alias Maximum)");
        }

        if (topic.Length > 0)
        {
            _inbound[value] = topic;
            return topic;
        }

        return _inbound[value] ?? throw new MqttProtocolException(MqttServerReason.TopicAliasInvalid, $"topic alias {value} was never set");
    }

    /// <summary>
    /// The topic name and alias a delivery to <paramref name="topic"/> goes out with: an empty name
    /// and the alias once one is assigned; the name and the next alias while the client's maximum
    /// allows one (assigned only by <see cref="Commit"/>, once the packet is written); the name
    /// alone after that.
    /// </summary>
    public (string Topic, ushort? Alias) ForDelivery(string topic)
    {
        if (_outbound.TryGetValue(topic, out var alias))
        {
            return (string.Empty, alias);
        }

        return _outbound.Count < _outboundMaximum ? (topic, (ushort)(_outbound.Count + 1)) : (topic, null);
    }

    /// <summary>Records an alias <see cref="ForDelivery"/> offered, once the packet that sets it is written.</summary>
    public void Commit(string topic, ushort alias) => _outbound[topic] = alias;
}
