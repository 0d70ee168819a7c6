using System.Buffers;
using Courier.Mqtt.Packets;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Courier.Mqtt.Tests.Packets;

/// <summary>
/// Whatever arrives, the reader answers with a packet, "need more", or <see cref="MqttProtocolException"/>:
/// nothing else escapes, it always returns, and it allocates no more than the packet size limit allows.
/// </summary>
public class RandomInputTests
{
    private const int Limit = 4096;

    /// <summary>Reads until the reader asks for more or refuses; fails the test on anything but the protocol exception.</summary>
    private static void ReadEverything(byte[] bytes, MqttProtocolVersion version, int cut)
    {
        var buffer = Courier.Amqp091.Tests.Framing.SegmentedSequence.From(bytes, Math.Clamp(cut, 0, bytes.Length));
        try
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            while (MqttPacketReader.TryRead(ref buffer, version, Limit, out _))
            {
                // Each packet costs at most a few times its bytes (strings are UTF-16, lists, objects), never more than the limit allows.
                Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 * Limit, "a packet allocated far beyond the size limit");
                before = GC.GetAllocatedBytesForCurrentThread();
            }
        }
        catch (MqttProtocolException error)
        {
            // Topic Alias 0 in a PUBLISH is its own error (5.0 3.3.2.3.4), which a corrupted byte can make.
            Assert.Contains(error.ReasonCode, new[] { MqttReasonCode.MalformedPacket, MqttReasonCode.ProtocolError, MqttReasonCode.PacketTooLarge, MqttReasonCode.UnsupportedProtocolVersion, MqttReasonCode.TopicAliasInvalid });
        }
    }

    [Property(MaxTest = 3000)]
    public void Random_bytes_only_ever_read_refuse_or_ask_for_more(byte[] bytes, int cut)
    {
        foreach (var version in PacketSamples.Versions)
        {
            ReadEverything(bytes ?? [], version, cut);
        }
    }

    [Property(MaxTest = 2000)]
    public Property Valid_packets_with_corrupted_bytes_only_ever_read_refuse_or_ask_for_more()
    {
        var cases = from version in Gen.Elements(PacketSamples.Versions)
                    from sample in Gen.Elements(PacketSamples.For(version).Keys.ToArray())
                    let bytes = PacketBytes.Encode(PacketSamples.For(version)[sample], version)
                    from position in Gen.Choose(0, bytes.Length - 1)
                    from value in Gen.Choose(0, 255)
                    from cut in Gen.Choose(0, bytes.Length)
                    select (version, bytes, position, value: (byte)value, cut);

        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var corrupted = (byte[])c.bytes.Clone();
            corrupted[c.position] = c.value;
            ReadEverything(corrupted, c.version, c.cut);
            ReadEverything(corrupted[..c.cut], c.version, c.cut / 2);
        });
    }

    [Fact]
    public void Random_packets_with_plausible_headers_never_escape_the_protocol_exception()
    {
        // Random bodies behind every first byte, so every packet type's decoder sees garbage, not only the fixed-header checks.
        var random = new Random(1883);
        for (var i = 0; i < 20_000; i++)
        {
            var body = new byte[random.Next(0, 64)];
            random.NextBytes(body);
            var first = (byte)random.Next(0, 256);
            foreach (var version in PacketSamples.Versions)
            {
                ReadEverything(PacketBytes.Packet(first, body), version, random.Next(0, body.Length + 2));
            }
        }
    }
}
