using System.Buffers;
using Courier.Amqp091.Tests.Framing;
using Courier.Mqtt.Packets;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Courier.Mqtt.Tests.Packets;

/// <summary>
/// A socket delivers bytes in arbitrary pieces; the reader must give the same packets however the
/// stream is cut, and must ask for more (never throw, never consume) while a packet is incomplete.
/// </summary>
public class PacketSplittingTests
{
    /// <summary>Every sample of a version, one after another, with where each packet ends.</summary>
    private static (byte[] Bytes, List<string> Packets, List<int> Ends) Stream(MqttProtocolVersion version)
    {
        var bytes = new List<byte>();
        var packets = new List<string>();
        var ends = new List<int>();
        foreach (var packet in PacketSamples.For(version).Values)
        {
            bytes.AddRange(PacketBytes.Encode(packet, version));
            packets.Add(PacketBytes.Describe(packet));
            ends.Add(bytes.Count);
        }

        return (bytes.ToArray(), packets, ends);
    }

    private static void AssertReadsWhole(ReadOnlySequence<byte> buffer, MqttProtocolVersion version, List<string> expected, string because)
    {
        var packets = PacketBytes.ReadAll(ref buffer, version);

        Assert.True(expected.SequenceEqual(packets.Select(PacketBytes.Describe)), because);
        Assert.True(buffer.IsEmpty, $"{because}: {buffer.Length} bytes left unread");
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void Packets_split_into_two_segments_at_every_byte_read_the_same(MqttProtocolVersion version)
    {
        var (bytes, expected, _) = Stream(version);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            AssertReadsWhole(SegmentedSequence.From(bytes, cut), version, expected, $"cut at {cut}");
        }
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V310)]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void Packets_with_every_byte_in_a_segment_of_its_own_read_the_same(MqttProtocolVersion version)
    {
        var (bytes, expected, _) = Stream(version);

        AssertReadsWhole(SegmentedSequence.From(bytes, [.. Enumerable.Range(1, bytes.Length - 1)]), version, expected, "one byte a segment");
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void Fed_one_byte_at_a_time_the_reader_asks_for_more_until_each_packet_is_whole(MqttProtocolVersion version)
    {
        var (bytes, expected, ends) = Stream(version);
        var read = new List<string>();
        var consumed = 0;
        for (var arrived = 0; arrived <= bytes.Length; arrived++)
        {
            // What a pipe would hold: everything arrived but not yet consumed, cut where the last byte came in.
            var pending = bytes[consumed..arrived];
            var buffer = SegmentedSequence.From(pending, Math.Max(0, pending.Length - 1));
            while (MqttPacketReader.TryRead(ref buffer, version, PacketBytes.MaximumPacketSize, out var packet))
            {
                read.Add(PacketBytes.Describe(packet));
            }

            consumed = arrived - (int)buffer.Length;
            Assert.Equal(ends.LastOrDefault(end => end <= arrived), consumed);
        }

        Assert.Equal(expected, read);
    }

    [Property(MaxTest = 300)]
    public Property Any_packet_cut_anywhere_reads_the_same()
    {
        var cases = from version in Gen.Elements(PacketSamples.Versions)
                    from sample in Gen.Elements(PacketSamples.For(version).Keys.ToArray())
                    let bytes = PacketBytes.Encode(PacketSamples.For(version)[sample], version)
                    from cuts in Gen.ListOf(Gen.Choose(0, bytes.Length), 4)
                    select (version, sample, bytes, cuts: cuts.Order().ToArray());

        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var buffer = SegmentedSequence.From(c.bytes, c.cuts);

            Assert.True(MqttPacketReader.TryRead(ref buffer, c.version, PacketBytes.MaximumPacketSize, out var packet));
            Assert.Equal(PacketBytes.Describe(PacketSamples.For(c.version)[c.sample]), PacketBytes.Describe(packet));
            Assert.True(buffer.IsEmpty);
        });
    }
}
