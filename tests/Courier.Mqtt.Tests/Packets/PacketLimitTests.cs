using System.Buffers;
using Courier.Mqtt.Packets;
using Xunit;
using static Courier.Mqtt.Tests.Packets.PacketBytes;

namespace Courier.Mqtt.Tests.Packets;

/// <summary>The maximum packet size is enforced from the fixed header alone, before any body is waited for or copied.</summary>
public class PacketLimitTests
{
    [Fact]
    public void A_five_byte_header_claiming_200_MB_is_refused_at_once_without_a_large_allocation()
    {
        // Remaining length 209,715,200 = 0x80 0x80 0x80 0x64.
        byte[] header = [0x30, 0x80, 0x80, 0x80, 0x64];
        Fails(header, MqttProtocolVersion.V311); // warm up the throw path

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Fails(header, MqttProtocolVersion.V311);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(MqttReasonCode.PacketTooLarge, error.ReasonCode);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void The_limit_counts_the_whole_packet_fixed_header_included()
    {
        var publish = Encode(new MqttPublish { Topic = "t", Payload = new byte[100] }, MqttProtocolVersion.V311);

        Assert.IsType<MqttPublish>(Decode(publish, MqttProtocolVersion.V311, maximumPacketSize: publish.Length));
        Assert.Equal(MqttReasonCode.PacketTooLarge, Fails(publish, MqttProtocolVersion.V311, maximumPacketSize: publish.Length - 1).ReasonCode);
        Assert.Equal(MqttReasonCode.PacketTooLarge, Fails(publish[..2], MqttProtocolVersion.V311, maximumPacketSize: publish.Length - 1).ReasonCode);
    }

    [Fact]
    public void A_continuation_bit_on_the_fourth_length_byte_is_malformed()
    {
        var error = Fails([0x30, 0xFF, 0xFF, 0xFF, 0xFF], MqttProtocolVersion.V311, MqttPacketReader.ProtocolMaximumPacketSize);

        Assert.Equal(MqttReasonCode.MalformedPacket, error.ReasonCode);
    }

    [Fact]
    public void A_length_cut_short_asks_for_more()
    {
        var buffer = new ReadOnlySequence<byte>([0x30, 0xFF, 0xFF, 0xFF]);

        Assert.False(MqttPacketReader.TryRead(ref buffer, MqttProtocolVersion.V311, MqttPacketReader.ProtocolMaximumPacketSize, out _));
        Assert.Equal(4, buffer.Length);
    }

    [Fact]
    public void A_five_byte_property_length_is_malformed()
    {
        var bytes = Packet(0x30, Str("t"), [0xFF, 0xFF, 0xFF, 0xFF, 0x7F]);

        Assert.Equal(MqttReasonCode.MalformedPacket, Fails(bytes, MqttProtocolVersion.V500).ReasonCode);
    }

    [Fact]
    public void A_non_minimal_length_is_accepted_as_mosquitto_does()
    {
        Assert.IsType<MqttPingReq>(Decode([0xC0, 0x80, 0x00], MqttProtocolVersion.V311));
        Assert.IsType<MqttPingReq>(Decode([0xC0, 0x80, 0x80, 0x80, 0x00], MqttProtocolVersion.V311));
    }

    [Fact]
    public void The_writer_uses_minimal_lengths()
    {
        var bytes = Encode(new MqttPublish { Topic = "t", Payload = new byte[124] }, MqttProtocolVersion.V311);

        Assert.Equal([0x30, 0x7F], bytes[..2]);
        Assert.Equal([0x30, 0x80, 0x01], Encode(new MqttPublish { Topic = "t", Payload = new byte[125] }, MqttProtocolVersion.V311)[..3]);
    }

    [Fact]
    public void A_packet_split_across_segments_reads_within_the_limit()
    {
        var bytes = Encode(new MqttPublish { Topic = "t", QoS = MqttQos.AtLeastOnce, PacketId = 1, Payload = new byte[70_000] }, MqttProtocolVersion.V500);
        var buffer = Courier.Amqp091.Tests.Framing.SegmentedSequence.From(bytes, 3, 40_000);

        Assert.True(MqttPacketReader.TryRead(ref buffer, MqttProtocolVersion.V500, bytes.Length, out var packet));
        Assert.Equal(70_000, Assert.IsType<MqttPublish>(packet).Payload.Length);
    }
}
