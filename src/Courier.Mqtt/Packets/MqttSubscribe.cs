namespace Courier.Mqtt.Packets;

/// <summary>SUBSCRIBE: at least one topic filter with its options.</summary>
public sealed record MqttSubscribe : MqttPacket
{
    public override MqttPacketType Type => MqttPacketType.Subscribe;

    public required ushort PacketId { get; init; }

    public required IReadOnlyList<MqttSubscription> Subscriptions { get; init; }

    /// <summary>5.0: at most one subscription identifier, and user properties.</summary>
    public MqttProperties? Properties { get; init; }
}

/// <summary>
/// One topic filter and its subscription options. In 3.1 and 3.1.1 only <see cref="MaximumQoS"/>
/// exists on the wire; the other options keep their defaults.
/// </summary>
public readonly record struct MqttSubscription(
    string Filter,
    MqttQos MaximumQoS,
    bool NoLocal = false,
    bool RetainAsPublished = false,
    MqttRetainHandling RetainHandling = MqttRetainHandling.SendOnSubscribe);

public enum MqttRetainHandling : byte
{
    SendOnSubscribe = 0,
    SendOnSubscribeIfNew = 1,
    DoNotSend = 2,
}
