namespace Courier.Mqtt.Packets;

/// <summary>
/// One MQTT control packet, decoded. Packets are plain data: what the spec puts on the packet
/// itself is validated by the reader, what depends on the session (packet identifiers in flight,
/// topic aliases, client identifier rules, authorization) is the connection's job.
/// </summary>
public abstract record MqttPacket
{
    public abstract MqttPacketType Type { get; }
}

/// <summary>A name/value pair, repeatable and ordered, on any MQTT 5.0 packet that has properties.</summary>
public readonly record struct MqttUserProperty(string Name, string Value);
