using Courier.Mqtt.Packets;
using Xunit;
using static Courier.Mqtt.Tests.Packets.PacketBytes;

namespace Courier.Mqtt.Tests.Packets;

/// <summary>
/// Packets written out byte by byte from the specs' descriptions and examples, so the encoder is
/// checked against the spec and not only against its own decoder.
/// </summary>
public class SpecExampleTests
{
    public static TheoryData<string, MqttProtocolVersion, string> Examples => new()
    {
        // 3.1.1 CONNECT: "MQTT", level 4, clean session, keep alive 60, client id "abc".
        { "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63", MqttProtocolVersion.V311, "connect-3.1.1" },

        // 3.1 CONNECT: "MQIsdp", level 3, clean session, keep alive 60, client id "c1".
        { "10 10 00 06 4D 51 49 73 64 70 03 02 00 3C 00 02 63 31", MqttProtocolVersion.V310, "connect-3.1" },

        // 5.0 CONNECT, the variable header of the spec's figure 3-8 (flags 0xCE, keep alive 10,
        // session expiry 10), then client id "c1", an empty will property list, will topic "w",
        // will payload "x", user name "u", password "p".
        {
            "10 21 00 04 4D 51 54 54 05 CE 00 0A 05 11 00 00 00 0A 00 02 63 31 00 00 01 77 00 01 78 00 01 75 00 01 70",
            MqttProtocolVersion.V500, "connect-5.0"
        },
        { "20 02 01 00", MqttProtocolVersion.V311, "connack-3.1.1" },
        { "20 03 00 00 00", MqttProtocolVersion.V500, "connack-5.0" },

        // PUBLISH QoS 1 to "a/b" with packet identifier 10 and payload "hi".
        { "32 09 00 03 61 2F 62 00 0A 68 69", MqttProtocolVersion.V311, "publish-3.1.1" },

        // 5.0 PUBLISH QoS 0, retained, with message expiry 3600 and payload "hi".
        { "31 0D 00 03 61 2F 62 05 02 00 00 0E 10 68 69", MqttProtocolVersion.V500, "publish-5.0" },
        { "40 02 00 0A", MqttProtocolVersion.V311, "puback" },
        { "50 02 00 0A", MqttProtocolVersion.V311, "pubrec" },
        { "62 02 00 0A", MqttProtocolVersion.V311, "pubrel" },
        { "70 02 00 0A", MqttProtocolVersion.V311, "pubcomp" },

        // 5.0 PUBACK with success and no properties is the 3.1.1 shape (spec 3.4.2.1).
        { "40 02 00 0A", MqttProtocolVersion.V500, "puback-5.0" },
        { "40 03 00 0A 10", MqttProtocolVersion.V500, "puback-5.0-no-subscribers" },

        // 3.1.1 figure 3.22: "a/b" at QoS 1 and "c/d" at QoS 2, packet identifier 10.
        { "82 0E 00 0A 00 03 61 2F 62 01 00 03 63 2F 64 02", MqttProtocolVersion.V311, "subscribe" },

        // 3.1.1 figure 3.26: return codes 0, 1, 2 and failure.
        { "90 06 00 0A 00 01 02 80", MqttProtocolVersion.V311, "suback" },

        // 3.1.1 figure 3.30: unsubscribe "a/b" and "c/d".
        { "A2 0C 00 0A 00 03 61 2F 62 00 03 63 2F 64", MqttProtocolVersion.V311, "unsubscribe" },
        { "B0 02 00 0A", MqttProtocolVersion.V311, "unsuback" },
        { "B0 05 00 0A 00 00 11", MqttProtocolVersion.V500, "unsuback-5.0" },
        { "C0 00", MqttProtocolVersion.V311, "pingreq" },
        { "D0 00", MqttProtocolVersion.V311, "pingresp" },
        { "E0 00", MqttProtocolVersion.V311, "disconnect" },
        { "E0 01 04", MqttProtocolVersion.V500, "disconnect-with-will" },
        { "F0 00", MqttProtocolVersion.V500, "auth-success" },

        // AUTH continue authentication with method "SCRAM".
        { "F0 0A 18 08 15 00 05 53 43 52 41 4D", MqttProtocolVersion.V500, "auth-continue" },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void A_spec_example_decodes_and_encodes_to_the_same_bytes(string hex, MqttProtocolVersion version, string name)
    {
        var bytes = Hex(hex);

        var packet = Decode(bytes, version);

        Assert.True(bytes.AsSpan().SequenceEqual(Encode(packet, version)), name);
    }

    [Fact]
    public void The_figure_3_8_connect_reads_as_the_spec_describes_it()
    {
        var connect = Assert.IsType<MqttConnect>(Decode(Hex(Examples.Single(e => (string)e[2] == "connect-5.0")[0].ToString()!), MqttProtocolVersion.V311));

        Assert.Equal(MqttProtocolVersion.V500, connect.ProtocolVersion);
        Assert.True(connect.CleanStart);
        Assert.Equal(10, connect.KeepAlive);
        Assert.Equal(10u, connect.Properties!.SessionExpiryInterval);
        Assert.Equal("c1", connect.ClientId);
        Assert.Equal(("w", MqttQos.AtLeastOnce, false), (connect.Will!.Topic, connect.Will.QoS, connect.Will.Retain));
        Assert.Equal("x"u8.ToArray(), connect.Will.Payload.ToArray());
        Assert.Equal("u", connect.UserName);
        Assert.Equal("p"u8.ToArray(), connect.Password);
    }

    [Fact]
    public void The_publish_example_reads_its_flags_topic_identifier_and_payload()
    {
        var publish = Assert.IsType<MqttPublish>(Decode(Hex("3B 09 00 03 61 2F 62 00 0A 68 69"), MqttProtocolVersion.V311));

        Assert.Equal((true, MqttQos.AtLeastOnce, true, "a/b", (ushort)10), (publish.Dup, publish.QoS, publish.Retain, publish.Topic, publish.PacketId));
        Assert.Equal("hi"u8.ToArray(), publish.Payload.ToArray());
    }

    [Theory]
    [InlineData(0, "00")]
    [InlineData(127, "7F")]
    [InlineData(128, "80 01")]
    [InlineData(16_383, "FF 7F")]
    [InlineData(16_384, "80 80 01")]
    [InlineData(2_097_151, "FF FF 7F")]
    [InlineData(2_097_152, "80 80 80 01")]
    [InlineData(268_435_455, "FF FF FF 7F")]
    public void Variable_byte_integers_match_the_spec_table(int value, string hex)
    {
        var span = new byte[4];

        var length = VariableByteInteger.Write(span, value);

        Assert.Equal(Hex(hex), span[..length]);
        Assert.True(VariableByteInteger.TryRead(Hex(hex), out var read, out var readLength));
        Assert.Equal((value, length), (read, readLength));
    }
}
