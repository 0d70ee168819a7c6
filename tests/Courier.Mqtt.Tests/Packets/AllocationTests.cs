using System.Buffers;
using Courier.Mqtt.Packets;
using Xunit;

namespace Courier.Mqtt.Tests.Packets;

/// <summary>Reading allocates the packet and what it holds (topic, payload), and nothing per packet besides.</summary>
public class AllocationTests
{
    private static long AllocatedReading(byte[] bytes, MqttProtocolVersion version)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        MqttPacketReader.TryRead(ref buffer, version, PacketBytes.MaximumPacketSize, out _);
        buffer = new ReadOnlySequence<byte>(bytes);
        var before = GC.GetAllocatedBytesForCurrentThread();
        MqttPacketReader.TryRead(ref buffer, version, PacketBytes.MaximumPacketSize, out _);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void A_pingreq_allocates_nothing()
    {
        Assert.Equal(0, AllocatedReading([0xC0, 0x00], MqttProtocolVersion.V311));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void A_puback_allocates_only_itself(MqttProtocolVersion version)
    {
        Assert.InRange(AllocatedReading([0x40, 0x02, 0x00, 0x01], version), 1, 48);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void A_publish_allocates_itself_its_topic_and_its_payload_once(MqttProtocolVersion version)
    {
        var bytes = PacketBytes.Encode(
            new MqttPublish { Topic = "sensors/1/temp", QoS = MqttQos.AtLeastOnce, PacketId = 1, Payload = new byte[1000] }, version);

        // The payload array (1,000 bytes and its header) and the topic string (14 UTF-16 chars) dominate; the packet object is small.
        Assert.InRange(AllocatedReading(bytes, version), 1000, 1000 + 24 + 60 + 96);
    }

    [Fact]
    public void A_publish_split_across_segments_still_copies_its_payload_only_once()
    {
        var bytes = PacketBytes.Encode(new MqttPublish { Topic = "t", Payload = new byte[10_000] }, MqttProtocolVersion.V311);
        var split = Courier.Amqp091.Tests.Framing.SegmentedSequence.From(bytes, 5_000);
        MqttPacketReader.TryRead(ref split, MqttProtocolVersion.V311, PacketBytes.MaximumPacketSize, out _);
        split = Courier.Amqp091.Tests.Framing.SegmentedSequence.From(bytes, 5_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        MqttPacketReader.TryRead(ref split, MqttProtocolVersion.V311, PacketBytes.MaximumPacketSize, out _);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The scratch copy comes from the array pool, so only the payload the packet keeps is new.
        Assert.InRange(allocated, 10_000, 10_000 + 200);
    }
}
