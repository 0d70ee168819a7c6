using Courier.Mqtt.Packets;
using Xunit;

namespace Courier.Mqtt.Tests.Packets;

public class RoundTripTests
{
    public static TheoryData<MqttProtocolVersion, string> Cases => PacketSamples.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_packet_decodes_to_what_was_encoded_and_encodes_to_the_same_bytes(MqttProtocolVersion version, string sample)
    {
        var packet = PacketSamples.For(version)[sample];
        var bytes = PacketBytes.Encode(packet, version);

        var decoded = PacketBytes.Decode(bytes, version);

        Assert.Equal(PacketBytes.Describe(packet), PacketBytes.Describe(decoded));
        Assert.Equal(bytes, PacketBytes.Encode(decoded, version));
    }

    [Fact]
    public void The_samples_cover_every_packet_type_in_every_version()
    {
        foreach (var version in PacketSamples.Versions)
        {
            var types = PacketSamples.For(version).Values.Select(p => p.Type).ToHashSet();
            var expected = Enum.GetValues<MqttPacketType>().Where(t => t != MqttPacketType.Auth || version == MqttProtocolVersion.V500);

            Assert.All(expected, type => Assert.Contains(type, types));
        }
    }

    [Fact]
    public void The_full_samples_carry_every_mqtt5_property()
    {
        var present = new HashSet<string>();
        foreach (var packet in PacketSamples.For(MqttProtocolVersion.V500).Values)
        {
            var properties = packet switch
            {
                MqttConnect connect => [connect.Properties, connect.Will?.Properties],
                _ => new[] { (MqttProperties?)packet.GetType().GetProperty("Properties")?.GetValue(packet) },
            };
            foreach (var list in properties.OfType<MqttProperties>())
            {
                foreach (var property in typeof(MqttProperties).GetProperties().Where(property => property.GetValue(list) is not null))
                {
                    present.Add(property.Name);
                }
            }
        }

        Assert.Equal(typeof(MqttProperties).GetProperties().Select(p => p.Name).Order(), present.Order());
        Assert.Equal(27, present.Count);
    }

    [Fact]
    public void Mqtt3_writes_no_properties_and_no_reason_codes_on_acknowledgements()
    {
        var puback = new MqttPubAck { PacketId = 5, ReasonCode = 0x80, Properties = new MqttProperties { ReasonString = "ignored" } };

        Assert.Equal(PacketBytes.Hex("40 02 00 05"), PacketBytes.Encode(puback, MqttProtocolVersion.V311));
    }

    [Fact]
    public void Writing_a_property_the_packet_may_not_carry_is_refused()
    {
        var publish = new MqttPublish { Topic = "t", Properties = new MqttProperties { SessionExpiryInterval = 1 } };

        Assert.Throws<ArgumentException>(() => PacketBytes.Encode(publish, MqttProtocolVersion.V500));
    }
}
