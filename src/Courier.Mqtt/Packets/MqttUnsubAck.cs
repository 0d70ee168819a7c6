namespace Courier.Mqtt.Packets;

/// <summary>UNSUBACK. 3.1 and 3.1.1 carry only the packet identifier; 5.0 adds one reason code per filter.</summary>
public sealed record MqttUnsubAck : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.UnsubAck;

    public required ushort PacketId { get; init; }

    /// <summary>Empty in 3.1 and 3.1.1.</summary>
    public IReadOnlyList<byte> ReasonCodes { get; init; } = [];

    public MqttProperties? Properties { get; init; }
}
