using Courier.Mqtt.Packets;
using Xunit;
using static Courier.Mqtt.Tests.Packets.PacketBytes;

namespace Courier.Mqtt.Tests.Packets;

/// <summary>The rules the spec puts on the packet itself, one test each, with the reason code the spec gives.</summary>
public class MalformedPacketTests
{
    private const byte Malformed = MqttReasonCode.MalformedPacket;
    private const byte ProtocolError = MqttReasonCode.ProtocolError;
    private const MqttProtocolVersion V311 = MqttProtocolVersion.V311;
    private const MqttProtocolVersion V5 = MqttProtocolVersion.V500;

    [Theory]
    [InlineData(0x63)]
    [InlineData(0x60)]
    [InlineData(0x80)]
    [InlineData(0x8A)]
    [InlineData(0xA0)]
    [InlineData(0xA3)]
    public void Pubrel_subscribe_and_unsubscribe_need_flags_0010_seen_from_the_first_byte_alone(byte first)
    {
        Assert.Equal(Malformed, Fails([first], V5).ReasonCode);
    }

    [Theory]
    [InlineData(0x11)]
    [InlineData(0x28)]
    [InlineData(0x42)]
    [InlineData(0xC1)]
    [InlineData(0xE4)]
    public void Other_packet_types_need_flags_0000(byte first)
    {
        Assert.Equal(Malformed, Fails([first, 0], V311).ReasonCode);
    }

    [Fact]
    public void Publish_at_qos_3_is_malformed() => Assert.Equal(Malformed, Fails([0x36], V311).ReasonCode);

    [Fact]
    public void Publish_with_dup_at_qos_0_is_malformed() => Assert.Equal(Malformed, Fails([0x38], V311).ReasonCode);

    [Fact]
    public void Packet_type_0_is_malformed() => Assert.Equal(Malformed, Fails([0x00, 0], V5).ReasonCode);

    [Theory]
    [InlineData(MqttProtocolVersion.V310)]
    [InlineData(MqttProtocolVersion.V311)]
    public void Auth_before_mqtt5_is_malformed(MqttProtocolVersion version) => Assert.Equal(Malformed, Fails([0xF0, 0], version).ReasonCode);

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xC0, 0x80 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    [InlineData(new byte[] { 0x61, 0x00, 0x62 })]
    public void A_string_that_is_not_well_formed_utf8_or_holds_u0000_is_malformed(byte[] topic)
    {
        Assert.Equal(Malformed, Fails(Packet(0x30, Str(topic), [1]), V311).ReasonCode);
        Assert.Equal(Malformed, Fails(Packet(0x10, Str("MQTT"), [4, 2, 0, 0], Str(topic)), V311).ReasonCode);
    }

    [Theory]
    [InlineData("a/+")]
    [InlineData("#")]
    [InlineData("a/#/b")]
    public void A_publish_topic_with_a_wildcard_is_a_protocol_error(string topic)
    {
        Assert.Equal(ProtocolError, Fails(Packet(0x30, Str(topic)), V311).ReasonCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void An_empty_publish_topic_without_a_topic_alias_is_a_protocol_error(MqttProtocolVersion version)
    {
        byte[] properties = version == V5 ? [0] : [];

        Assert.Equal(ProtocolError, Fails(Packet(0x30, Str(""), properties), version).ReasonCode);
    }

    [Fact]
    public void An_empty_topic_filter_is_a_protocol_error()
    {
        Assert.Equal(ProtocolError, Fails(Packet(0x82, [0, 1], Str(""), [0]), V311).ReasonCode);
        Assert.Equal(ProtocolError, Fails(Packet(0xA2, [0, 1], Str("")), V311).ReasonCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void Subscribe_and_unsubscribe_without_a_filter_are_protocol_errors(MqttProtocolVersion version)
    {
        byte[] properties = version == V5 ? [0] : [];

        Assert.Equal(ProtocolError, Fails(Packet(0x82, [0, 1], properties), version).ReasonCode);
        Assert.Equal(ProtocolError, Fails(Packet(0xA2, [0, 1], properties), version).ReasonCode);
    }

    [Theory]
    [InlineData(new byte[] { 0x32, 5, 0, 1, 0x74, 0, 0 })]
    [InlineData(new byte[] { 0x40, 2, 0, 0 })]
    [InlineData(new byte[] { 0x50, 2, 0, 0 })]
    [InlineData(new byte[] { 0x62, 2, 0, 0 })]
    [InlineData(new byte[] { 0x70, 2, 0, 0 })]
    [InlineData(new byte[] { 0x82, 6, 0, 0, 0, 1, 0x74, 0 })]
    [InlineData(new byte[] { 0x90, 3, 0, 0, 0 })]
    [InlineData(new byte[] { 0xA2, 5, 0, 0, 0, 1, 0x74 })]
    [InlineData(new byte[] { 0xB0, 2, 0, 0 })]
    public void Packet_identifier_0_is_a_protocol_error(byte[] packet)
    {
        Assert.Equal(ProtocolError, Fails(packet, V311).ReasonCode);
    }

    [Fact]
    public void Connect_with_the_reserved_flag_set_is_malformed()
    {
        Assert.Equal(Malformed, Fails(Packet(0x10, Str("MQTT"), [4, 0x03, 0, 0], Str("c")), V311).ReasonCode);
    }

    [Theory]
    [InlineData(0x08)]
    [InlineData(0x10)]
    [InlineData(0x20)]
    [InlineData(0x3A)]
    public void Will_qos_or_retain_without_the_will_flag_is_malformed(byte flags)
    {
        Assert.Equal(Malformed, Fails(Packet(0x10, Str("MQTT"), [4, flags, 0, 0], Str("c")), V311).ReasonCode);
    }

    [Fact]
    public void Will_qos_3_is_malformed()
    {
        Assert.Equal(Malformed, Fails(Packet(0x10, Str("MQTT"), [4, 0x1C, 0, 0], Str("c"), Str("w"), Str("x")), V311).ReasonCode);
    }

    [Fact]
    public void A_password_without_a_user_name_is_malformed_before_mqtt5_and_allowed_in_it()
    {
        Assert.Equal(Malformed, Fails(Packet(0x10, Str("MQTT"), [4, 0x40, 0, 0], Str("c"), Str("p")), MqttProtocolVersion.V500).ReasonCode);
        Assert.Equal(Malformed, Fails(Packet(0x10, Str("MQIsdp"), [3, 0x40, 0, 0], Str("c"), Str("p")), V311).ReasonCode);

        var connect = Assert.IsType<MqttConnect>(Decode(Packet(0x10, Str("MQTT"), [5, 0x40, 0, 0, 0], Str("c"), Str("p")), V311));
        Assert.Null(connect.UserName);
        Assert.Equal("p"u8.ToArray(), connect.Password);
    }

    [Theory]
    [InlineData("MQTT", 3)]
    [InlineData("MQTT", 6)]
    [InlineData("MQTT", 0)]
    [InlineData("MQIsdp", 4)]
    [InlineData("HTTP", 4)]
    [InlineData("", 4)]
    public void An_unknown_protocol_name_or_level_is_an_unsupported_protocol_version(string name, byte level)
    {
        Assert.Equal(MqttReasonCode.UnsupportedProtocolVersion, Fails(Packet(0x10, Str(name), [level, 2, 0, 0], Str("c")), V311).ReasonCode);
    }

    [Fact]
    public void The_connect_is_read_by_its_own_level_whatever_the_reader_was_given()
    {
        var bytes = Encode(PacketSamples.For(V5)["connect-full"], V5);

        foreach (var version in PacketSamples.Versions)
        {
            Assert.Equal(V5, Assert.IsType<MqttConnect>(Decode(bytes, version)).ProtocolVersion);
        }
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, 0x04)]
    [InlineData(MqttProtocolVersion.V311, 0x80)]
    [InlineData(MqttProtocolVersion.V500, 0x40)]
    [InlineData(MqttProtocolVersion.V500, 0x80)]
    public void Subscription_options_with_reserved_bits_set_are_malformed(MqttProtocolVersion version, byte options)
    {
        byte[] properties = version == V5 ? [0] : [];

        Assert.Equal(Malformed, Fails(Packet(0x82, [0, 1], properties, Str("t"), [options]), version).ReasonCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void A_subscription_at_qos_3_is_malformed(MqttProtocolVersion version)
    {
        byte[] properties = version == V5 ? [0] : [];

        Assert.Equal(Malformed, Fails(Packet(0x82, [0, 1], properties, Str("t"), [3]), version).ReasonCode);
    }

    [Fact]
    public void Retain_handling_3_is_a_protocol_error_as_mqtt5_section_3_8_3_1_says()
    {
        Assert.Equal(ProtocolError, Fails(Packet(0x82, [0, 1], [0], Str("t"), [0x30]), V5).ReasonCode);
    }

    [Fact]
    public void No_local_on_a_shared_subscription_is_a_protocol_error()
    {
        Assert.Equal(ProtocolError, Fails(Packet(0x82, [0, 1], [0], Str("$share/g/t"), [0x04]), V5).ReasonCode);
    }

    [Theory]
    [InlineData(new byte[] { 0x40, 3, 0, 1, 0 })]
    [InlineData(new byte[] { 0xC0, 1, 0 })]
    [InlineData(new byte[] { 0xE0, 1, 0 })]
    [InlineData(new byte[] { 0xB0, 3, 0, 1, 0 })]
    [InlineData(new byte[] { 0x20, 3, 0, 0, 0 })]
    public void Bytes_after_the_last_field_are_malformed(byte[] packet)
    {
        Assert.Equal(Malformed, Fails(packet, V311).ReasonCode);
    }

    [Fact]
    public void Connack_reserved_flags_are_malformed() => Assert.Equal(Malformed, Fails([0x20, 2, 0x02, 0], V311).ReasonCode);

    [Theory]
    [InlineData(new byte[] { 0x40, 1, 0 })]
    [InlineData(new byte[] { 0x32, 4, 0, 1, 0x74, 0 })]
    [InlineData(new byte[] { 0x10, 3, 0, 4, 0x4D })]
    [InlineData(new byte[] { 0x20, 1, 0 })]
    public void A_packet_shorter_than_its_fields_is_malformed(byte[] packet)
    {
        Assert.Equal(Malformed, Fails(packet, V311).ReasonCode);
    }
}
