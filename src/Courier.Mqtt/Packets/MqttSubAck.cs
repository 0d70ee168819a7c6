namespace Courier.Mqtt.Packets;

/// <summary>SUBACK: one reason code (the granted QoS, or a failure) per filter of the SUBSCRIBE, in order.</summary>
public sealed record MqttSubAck : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.SubAck;

    public required ushort PacketId { get; init; }

    public required IReadOnlyList<byte> ReasonCodes { get; init; }

    public MqttProperties? Properties { get; init; }
}
