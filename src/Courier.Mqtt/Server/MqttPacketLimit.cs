using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// The client's Maximum Packet Size (MQTT 5.0 CONNECT property, spec 3.1.2.11.4): the broker sends
/// nothing larger. A delivery that would be is not sent (the connection settles it as delivered);
/// any other packet loses its reason string and user properties, which the spec lets a sender leave
/// out for this, and goes as it is then.
/// </summary>
internal static class MqttPacketLimit
{
    /// <summary>True when <paramref name="packet"/> fits in <paramref name="maximum"/> bytes, fixed header included.</summary>
    public static bool Fits(MqttPacket packet, MqttProtocolVersion version, long maximum) =>
        MqttPacketWriter.Measure(packet, version) <= maximum;

    /// <summary>Leaves out the reason string and user properties of an acknowledgement, DISCONNECT or CONNACK that would not fit.</summary>
    public static void Trim(MqttPacket packet, MqttProtocolVersion version, long maximum)
    {
        var properties = packet switch
        {
            MqttConnAck p => p.Properties,
            MqttPublishResponse p => p.Properties,
            MqttSubAck p => p.Properties,
            MqttUnsubAck p => p.Properties,
            MqttDisconnect p => p.Properties,
            _ => null,
        };
        if (properties is null || (properties.ReasonString is null && properties.UserProperties is null) || Fits(packet, version, maximum))
        {
            return;
        }

        // The packets the connection writes own their property lists, so they are changed in place.
        properties.ReasonString = null;
        properties.UserProperties = null;
    }
}
