namespace Courier.Mqtt.Packets;

/// <summary>
/// Decodes CONNECT, the one packet read by its own protocol level rather than the connection's.
/// A protocol name and level pair Courier does not speak is refused with 0x84 (Unsupported
/// Protocol Version), which the connection answers in the client's own version where it can
/// (3.1.1: CONNACK return code 0x01).
/// </summary>
internal static class MqttConnectDecoder
{
    private const int ReservedFlag = 0x01;
    private const int CleanStartFlag = 0x02;
    private const int WillFlag = 0x04;
    private const int WillRetainFlag = 0x20;
    private const int PasswordFlag = 0x40;
    private const int UserNameFlag = 0x80;

    public static MqttConnect Decode(ref MqttBodyReader body)
    {
        var name = body.ReadSpan(body.ReadUInt16());
        var level = body.ReadByte();
        var version = VersionOf(name, level);
        var v5 = version == MqttProtocolVersion.V500;

        var flags = body.ReadByte();
        if ((flags & ReservedFlag) != 0)
        {
            ThrowHelper.ThrowMalformed("CONNECT reserved flag is set");
        }

        var hasWill = (flags & WillFlag) != 0;
        var willQos = (flags >> 3) & 0b11;
        var willRetain = (flags & WillRetainFlag) != 0;
        if (!hasWill && (willQos != 0 || willRetain))
        {
            ThrowHelper.ThrowMalformed("CONNECT sets will QoS or will retain without the will flag");
        }

        if (willQos == 3)
        {
            ThrowHelper.ThrowMalformed("CONNECT will QoS 3");
        }

        var hasUserName = (flags & UserNameFlag) != 0;
        var hasPassword = (flags & PasswordFlag) != 0;
        if (hasPassword && !hasUserName && !v5)
        {
            ThrowHelper.ThrowMalformed("CONNECT has a password without a user name, which only MQTT 5.0 allows");
        }

        var keepAlive = body.ReadUInt16();
        var properties = v5 ? MqttPropertyCodec.Read(ref body, MqttPropertyScope.Connect) : null;
        var clientId = body.ReadString();
        MqttWill? will = null;
        if (hasWill)
        {
            var willProperties = v5 ? MqttPropertyCodec.Read(ref body, MqttPropertyScope.Will) : null;
            var topic = body.ReadString();
            if (topic.Length == 0 || MqttTopic.HasWildcard(topic))
            {
                ThrowHelper.ThrowProtocolError("will topic is empty or contains a wildcard");
            }

            will = new MqttWill
            {
                Topic = topic,
                Payload = body.ReadBinary(),
                QoS = (MqttQos)willQos,
                Retain = willRetain,
                Properties = willProperties,
            };
        }

        var userName = hasUserName ? body.ReadString() : null;
        var password = hasPassword ? body.ReadBinary() : null;
        body.ExpectEnd(MqttPacketType.Connect);
        return new MqttConnect
        {
            ProtocolVersion = version,
            CleanStart = (flags & CleanStartFlag) != 0,
            KeepAlive = keepAlive,
            ClientId = clientId,
            Will = will,
            UserName = userName,
            Password = password,
            Properties = properties,
        };
    }

    /// <summary>The protocol name and level pairs the three versions define.</summary>
    internal static ReadOnlySpan<byte> NameOf(MqttProtocolVersion version) => version == MqttProtocolVersion.V310 ? "MQIsdp"u8 : "MQTT"u8;

    private static MqttProtocolVersion VersionOf(ReadOnlySpan<byte> name, byte level)
    {
        if (name.SequenceEqual("MQTT"u8) && level is (byte)MqttProtocolVersion.V311 or (byte)MqttProtocolVersion.V500)
        {
            return (MqttProtocolVersion)level;
        }

        if (name.SequenceEqual("MQIsdp"u8) && level == (byte)MqttProtocolVersion.V310)
        {
            return MqttProtocolVersion.V310;
        }

        ThrowHelper.ThrowUnsupportedVersion($"protocol name of {name.Length} bytes with level {level} is not MQTT 3.1, 3.1.1 or 5.0");
        return default;
    }
}
