using Courier.Amqp091.Tests.Framing;
using Courier.Mqtt.Packets;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Courier.Mqtt.Tests.Packets;

public class RandomPacketTests
{
    [Property(MaxTest = 1000)]
    public Property Random_packets_round_trip() =>
        Prop.ForAll(RandomPackets.Any().ToArbitrary(), c =>
        {
            var bytes = PacketBytes.Encode(c.Packet, c.Version);

            var decoded = PacketBytes.Decode(bytes, c.Version);

            Assert.True(PacketBytes.Describe(c.Packet) == PacketBytes.Describe(decoded), $"seed {c.Seed}, {c.Version}");
            Assert.Equal(bytes, PacketBytes.Encode(decoded, c.Version));
        });

    [Property(MaxTest = 500)]
    public Property Random_packets_cut_anywhere_read_the_same() =>
        Prop.ForAll(RandomPackets.Any().ToArbitrary(), Gen.ListOf(Gen.Choose(0, 1000), 3).ToArbitrary(), (c, cuts) =>
        {
            var bytes = PacketBytes.Encode(c.Packet, c.Version);
            var buffer = SegmentedSequence.From(bytes, [.. cuts.Select(cut => cut % (bytes.Length + 1)).Order()]);

            Assert.True(MqttPacketReader.TryRead(ref buffer, c.Version, PacketBytes.MaximumPacketSize, out var decoded), $"seed {c.Seed}");
            Assert.True(PacketBytes.Describe(c.Packet) == PacketBytes.Describe(decoded), $"seed {c.Seed}, {c.Version}");
            Assert.True(buffer.IsEmpty);
        });
}
