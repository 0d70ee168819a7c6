using System.Buffers;
using System.Text.Json;
using Courier.Mqtt.Packets;
using Xunit;

namespace Courier.Mqtt.Tests.Packets;

/// <summary>Encoding, decoding and describing packets for the tests.</summary>
internal static class PacketBytes
{
    public const int MaximumPacketSize = 1 << 20;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static byte[] Encode(MqttPacket packet, MqttProtocolVersion version)
    {
        var output = new ArrayBufferWriter<byte>();
        MqttPacketWriter.Write(output, packet, version);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decodes exactly one packet that must take all of <paramref name="bytes"/>.</summary>
    public static MqttPacket Decode(byte[] bytes, MqttProtocolVersion version, int maximumPacketSize = MaximumPacketSize)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(MqttPacketReader.TryRead(ref buffer, version, maximumPacketSize, out var packet), "the reader asked for more bytes");
        Assert.True(buffer.IsEmpty, $"{buffer.Length} bytes left after the packet");
        return packet;
    }

    /// <summary>Reads packets until the reader asks for more; <paramref name="buffer"/> is left at the unread rest.</summary>
    public static List<MqttPacket> ReadAll(ref ReadOnlySequence<byte> buffer, MqttProtocolVersion version, int maximumPacketSize = MaximumPacketSize)
    {
        var packets = new List<MqttPacket>();
        while (MqttPacketReader.TryRead(ref buffer, version, maximumPacketSize, out var packet))
        {
            packets.Add(packet);
        }

        return packets;
    }

    public static MqttProtocolException Fails(byte[] bytes, MqttProtocolVersion version, int maximumPacketSize = MaximumPacketSize)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        return Assert.Throws<MqttProtocolException>(() => MqttPacketReader.TryRead(ref buffer, version, maximumPacketSize, out _));
    }

    /// <summary>Every field of a packet, nested ones included, as text: two packets are equal when their descriptions are.</summary>
    public static string Describe(MqttPacket packet) => packet.GetType().Name + JsonSerializer.Serialize(packet, packet.GetType(), Json);

    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", string.Empty, StringComparison.Ordinal));

    /// <summary>A packet assembled by hand: the first byte, the remaining length, then the parts in order.</summary>
    public static byte[] Packet(byte first, params byte[][] parts)
    {
        var body = parts.SelectMany(part => part).ToArray();
        var length = new byte[4];
        var lengthSize = VariableByteIntegerBytes(body.Length, length);
        return [first, .. length.AsSpan(0, lengthSize), .. body];
    }

    /// <summary>An MQTT string: two-byte length, then the bytes as given (so tests can pass ill-formed UTF-8).</summary>
    public static byte[] Str(params byte[] utf8) => [(byte)(utf8.Length >> 8), (byte)utf8.Length, .. utf8];

    public static byte[] Str(string text) => Str(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>A property list: its variable byte integer length, then the properties.</summary>
    public static byte[] Props(params byte[] properties)
    {
        var length = new byte[4];
        var lengthSize = VariableByteIntegerBytes(properties.Length, length);
        return [.. length.AsSpan(0, lengthSize), .. properties];
    }

    private static int VariableByteIntegerBytes(int value, byte[] into)
    {
        var i = 0;
        do
        {
            var digit = (byte)(value % 128);
            value /= 128;
            into[i++] = value > 0 ? (byte)(digit | 0x80) : digit;
        }
        while (value > 0);

        return i;
    }
}
