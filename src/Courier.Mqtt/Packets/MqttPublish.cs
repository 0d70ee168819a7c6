namespace Courier.Mqtt.Packets;

/// <summary>PUBLISH. The payload is copied once out of the connection's buffer, since the broker holds it.</summary>
public sealed record MqttPublish : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Publish;

    public bool Dup { get; init; }

    public MqttQos QoS { get; init; }

    public bool Retain { get; init; }

    /// <summary>Empty only in 5.0 with a topic alias.</summary>
    public required string Topic { get; init; }

    /// <summary>Non-zero for QoS 1 and 2, absent (0) for QoS 0.</summary>
    public ushort PacketId { get; init; }

    public ReadOnlyMemory<byte> Payload { get; init; }

    public MqttProperties? Properties { get; init; }
}
