namespace Courier.Mqtt.Packets;

/// <summary>
/// The MQTT 5.0 reason codes the codec itself raises, and the success code its packets default to.
/// Everything else (not authorized, quota exceeded, ...) belongs to the session layer.
/// </summary>
public static class MqttReasonCode
{
    public const byte Success = 0x00;

    /// <summary>The packet cannot be parsed as the spec describes it.</summary>
    public const byte MalformedPacket = 0x81;

    /// <summary>The packet parsed, but holds data the protocol does not allow.</summary>
    public const byte ProtocolError = 0x82;

    /// <summary>CONNECT with a protocol name or level Courier does not speak.</summary>
    public const byte UnsupportedProtocolVersion = 0x84;

    /// <summary>A PUBLISH with Topic Alias 0 (spec 3.3.2.3.4); the session layer uses it for aliases past the maximum too.</summary>
    public const byte TopicAliasInvalid = 0x94;

    /// <summary>The packet is larger than the connection's maximum packet size.</summary>
    public const byte PacketTooLarge = 0x95;
}
