namespace Courier.Mqtt.Server;

/// <summary>
/// The reason codes the session layer answers with (MQTT 5.0 section 2.4), and the 3.1.1 CONNACK
/// return codes; the codec's own are in <see cref="Packets.MqttReasonCode"/>.
/// </summary>
internal static class MqttServerReason
{
    public const byte NoMatchingSubscribers = 0x10;
    public const byte NoSubscriptionExisted = 0x11;
    public const byte DisconnectWithWill = 0x04;
    public const byte UnspecifiedError = 0x80;
    public const byte ImplementationSpecificError = 0x83;
    public const byte ClientIdentifierNotValid = 0x85;
    public const byte BadUserNameOrPassword = 0x86;
    public const byte NotAuthorized = 0x87;
    public const byte ServerShuttingDown = 0x8B;
    public const byte BadAuthenticationMethod = 0x8C;
    public const byte SessionTakenOver = 0x8E;
    public const byte TopicFilterInvalid = 0x8F;
    public const byte PacketIdentifierNotFound = 0x92;
    public const byte ReceiveMaximumExceeded = 0x93;
    public const byte TopicAliasInvalid = 0x94;
    public const byte QuotaExceeded = 0x97;
    public const byte SharedSubscriptionsNotSupported = 0x9E;
    public const byte SubscriptionIdentifiersNotSupported = 0xA1;

    // 3.1 and 3.1.1 CONNACK return codes.
    public const byte V3UnacceptableProtocolVersion = 0x01;
    public const byte V3IdentifierRejected = 0x02;
    public const byte V3ServerUnavailable = 0x03;
    public const byte V3BadUserNameOrPassword = 0x04;
    public const byte V3NotAuthorized = 0x05;

    /// <summary>A SUBACK's failure code in 3.1.1.</summary>
    public const byte V3SubscribeFailure = 0x80;
}
