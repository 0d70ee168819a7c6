namespace Courier.Mqtt.Packets;

/// <summary>UNSUBSCRIBE: at least one topic filter.</summary>
public sealed record MqttUnsubscribe : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Unsubscribe;

    public required ushort PacketId { get; init; }

    public required IReadOnlyList<string> Filters { get; init; }

    public MqttProperties? Properties { get; init; }
}
