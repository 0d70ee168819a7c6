namespace Courier.Mqtt.Packets;

/// <summary>
/// PUBACK, PUBREC, PUBREL and PUBCOMP share one layout: a packet identifier, then in 5.0 a reason
/// code and properties, both omitted on the wire when the code is success and there are none.
/// </summary>
public abstract record MqttPublishResponse : MqttPacket
{
    public required ushort PacketId { get; init; }

    public byte ReasonCode { get; init; }

    public MqttProperties? Properties { get; init; }
}

public sealed record MqttPubAck : MqttPublishResponse
{
    public override MqttPacketType Type => MqttPacketType.PubAck;
}

public sealed record MqttPubRec : MqttPublishResponse
{
    public override MqttPacketType Type => MqttPacketType.PubRec;
}

public sealed record MqttPubRel : MqttPublishResponse
{
    public override MqttPacketType Type => MqttPacketType.PubRel;
}

public sealed record MqttPubComp : MqttPublishResponse
{
    public override MqttPacketType Type => MqttPacketType.PubComp;
}
