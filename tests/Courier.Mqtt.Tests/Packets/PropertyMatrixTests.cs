using Courier.Mqtt.Packets;
using Xunit;
using static Courier.Mqtt.Tests.Packets.PacketBytes;

namespace Courier.Mqtt.Tests.Packets;

/// <summary>
/// Every MQTT 5.0 property in every packet that has properties: where the spec's table 2-4 allows
/// it, the packet reads; anywhere else it is a malformed packet (0x81). The table is written out
/// here from the spec, independently of the codec's own.
/// </summary>
public class PropertyMatrixTests
{
    private const string Message = "PUBLISH Will";

    /// <summary>Identifier, a valid encoded value, and where the spec allows it.</summary>
    private static readonly (byte Id, byte[] Value, string AllowedIn)[] Spec =
    [
        (0x01, [1], Message),
        (0x02, [0, 0, 0, 9], Message),
        (0x03, Str("text/plain"), Message),
        (0x08, Str("reply"), Message),
        (0x09, [0, 2, 7, 7], Message),
        (0x0B, [0x80, 0x01], "PUBLISH SUBSCRIBE"),
        (0x11, [0, 0, 0, 9], "CONNECT CONNACK DISCONNECT"),
        (0x12, Str("id"), "CONNACK"),
        (0x13, [0, 9], "CONNACK"),
        (0x15, Str("PLAIN"), "CONNECT CONNACK AUTH"),
        (0x16, [0, 1, 7], "CONNECT CONNACK AUTH"),
        (0x17, [1], "CONNECT"),
        (0x18, [0, 0, 0, 9], "Will"),
        (0x19, [1], "CONNECT"),
        (0x1A, Str("r/"), "CONNACK"),
        (0x1C, Str("elsewhere"), "CONNACK DISCONNECT"),
        (0x1F, Str("why"), "CONNACK PUBACK SUBACK UNSUBACK DISCONNECT AUTH"),
        (0x21, [0, 9], "CONNECT CONNACK"),
        (0x22, [0, 9], "CONNECT CONNACK"),
        (0x23, [0, 9], "PUBLISH"),
        (0x24, [1], "CONNACK"),
        (0x25, [1], "CONNACK"),
        (0x26, [.. Str("k"), .. Str("v")], "CONNECT Will CONNACK PUBLISH PUBACK SUBSCRIBE SUBACK UNSUBSCRIBE UNSUBACK DISCONNECT AUTH"),
        (0x27, [0, 0, 1, 0], "CONNECT CONNACK"),
        (0x28, [1], "CONNACK"),
        (0x29, [1], "CONNACK"),
        (0x2A, [1], "CONNACK"),
    ];

    /// <summary>A v5 packet of each kind that has properties, built around a given property list.</summary>
    private static readonly Dictionary<string, Func<byte[], byte[]>> Packets = new()
    {
        ["CONNECT"] = props => Packet(0x10, Str("MQTT"), [5, 0x02, 0, 60], Props(props), Str("c")),
        ["Will"] = props => Packet(0x10, Str("MQTT"), [5, 0x06, 0, 60], Props(), Str("c"), Props(props), Str("w"), Str("x")),
        ["CONNACK"] = props => Packet(0x20, [0, 0], Props(props)),
        ["PUBLISH"] = props => Packet(0x30, Str("t"), Props(props), [1, 2]),
        ["PUBACK"] = props => Packet(0x40, [0, 1, 0], Props(props)),
        ["SUBSCRIBE"] = props => Packet(0x82, [0, 1], Props(props), Str("t"), [1]),
        ["SUBACK"] = props => Packet(0x90, [0, 1], Props(props), [1]),
        ["UNSUBSCRIBE"] = props => Packet(0xA2, [0, 1], Props(props), Str("t")),
        ["UNSUBACK"] = props => Packet(0xB0, [0, 1], Props(props), [0]),
        ["DISCONNECT"] = props => Packet(0xE0, [0], Props(props)),
        ["AUTH"] = props => Packet(0xF0, [0x18], Props(props)),
    };

    public static TheoryData<byte, string> Cases()
    {
        var data = new TheoryData<byte, string>();
        foreach (var (id, _, _) in Spec)
        {
            foreach (var packet in Packets.Keys)
            {
                data.Add(id, packet);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_property_reads_where_the_spec_allows_it_and_is_malformed_elsewhere(byte id, string packet)
    {
        var (_, value, allowedIn) = Spec.Single(s => s.Id == id);
        byte[] property = [id, .. value];

        // Authentication data needs its method alongside; where the data is allowed, so is the method.
        byte[] properties = id == 0x16 ? [0x15, .. Str("PLAIN"), .. property] : property;
        var bytes = Packets[packet](properties);

        if (allowedIn.Split(' ').Contains(packet))
        {
            Assert.NotNull(Decode(bytes, MqttProtocolVersion.V500));
        }
        else
        {
            Assert.Equal(MqttReasonCode.MalformedPacket, Fails(bytes, MqttProtocolVersion.V500).ReasonCode);
        }
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x04)]
    [InlineData(0x2B)]
    [InlineData(0x7F)]
    public void An_unknown_property_identifier_is_malformed(byte id)
    {
        var bytes = Packets["PUBLISH"]([id, 0]);

        Assert.Equal(MqttReasonCode.MalformedPacket, Fails(bytes, MqttProtocolVersion.V500).ReasonCode);
    }

    [Theory]
    [MemberData(nameof(Repeatable))]
    public void A_non_repeatable_property_given_twice_is_a_protocol_error(byte id, string packet)
    {
        var (_, value, _) = Spec.Single(s => s.Id == id);
        byte[] twice = [id, .. value, id, .. value];
        byte[] properties = id == 0x16 ? [0x15, .. Str("PLAIN"), .. twice] : twice;

        Assert.Equal(MqttReasonCode.ProtocolError, Fails(Packets[packet](properties), MqttProtocolVersion.V500).ReasonCode);
    }

    public static TheoryData<byte, string> Repeatable()
    {
        var data = new TheoryData<byte, string>();
        foreach (var (id, _, allowedIn) in Spec.Where(s => s.Id is not (0x26 or 0x0B)))
        {
            data.Add(id, allowedIn.Split(' ')[0]);
        }

        return data;
    }

    [Fact]
    public void User_properties_repeat_in_order_and_subscription_identifiers_repeat_on_publish()
    {
        byte[] properties = [0x26, .. Str("k"), .. Str("2"), 0x0B, 5, 0x26, .. Str("k"), .. Str("1"), 0x0B, 3];

        var publish = Assert.IsType<MqttPublish>(Decode(Packets["PUBLISH"](properties), MqttProtocolVersion.V500));

        Assert.Equal([new("k", "2"), new("k", "1")], publish.Properties!.UserProperties!);
        Assert.Equal([5u, 3u], publish.Properties.SubscriptionIdentifiers!);
    }

    [Fact]
    public void Two_subscription_identifiers_on_subscribe_are_a_protocol_error()
    {
        var bytes = Packets["SUBSCRIBE"]([0x0B, 5, 0x0B, 3]);

        Assert.Equal(MqttReasonCode.ProtocolError, Fails(bytes, MqttProtocolVersion.V500).ReasonCode);
    }

    [Theory]
    [InlineData("CONNECT", new byte[] { 0x21, 0, 0 })]
    [InlineData("CONNECT", new byte[] { 0x27, 0, 0, 0, 0 })]
    [InlineData("PUBLISH", new byte[] { 0x0B, 0 })]
    [InlineData("PUBLISH", new byte[] { 0x01, 2 })]
    [InlineData("CONNECT", new byte[] { 0x17, 2 })]
    [InlineData("CONNECT", new byte[] { 0x19, 2 })]
    [InlineData("CONNACK", new byte[] { 0x24, 2 })]
    [InlineData("CONNACK", new byte[] { 0x25, 2 })]
    [InlineData("CONNACK", new byte[] { 0x28, 2 })]
    [InlineData("CONNACK", new byte[] { 0x29, 2 })]
    [InlineData("CONNACK", new byte[] { 0x2A, 2 })]
    [InlineData("AUTH", new byte[] { 0x16, 0, 1, 7 })]
    [InlineData("PUBLISH", new byte[] { 0x08, 0, 3, (byte)'a', (byte)'/', (byte)'#' })]
    public void A_value_the_spec_forbids_is_a_protocol_error(string packet, byte[] properties)
    {
        Assert.Equal(MqttReasonCode.ProtocolError, Fails(Packets[packet](properties), MqttProtocolVersion.V500).ReasonCode);
    }

    [Fact]
    public void Topic_alias_0_is_topic_alias_invalid()
    {
        Assert.Equal(MqttReasonCode.TopicAliasInvalid, Fails(Packets["PUBLISH"]([0x23, 0, 0]), MqttProtocolVersion.V500).ReasonCode);
    }

    [Fact]
    public void A_property_cut_short_inside_its_list_is_malformed()
    {
        // Session expiry needs four bytes; the list holds the identifier and two.
        var bytes = Packets["CONNECT"]([0x11, 0, 0]);

        Assert.Equal(MqttReasonCode.MalformedPacket, Fails(bytes, MqttProtocolVersion.V500).ReasonCode);
    }

    [Fact]
    public void A_property_length_beyond_the_packet_is_malformed()
    {
        var bytes = Packet(0x30, Str("t"), [0x7F, 0x01]);

        Assert.Equal(MqttReasonCode.MalformedPacket, Fails(bytes, MqttProtocolVersion.V500).ReasonCode);
    }
}
