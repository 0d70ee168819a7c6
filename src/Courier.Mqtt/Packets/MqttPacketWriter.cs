using System.Buffers;

namespace Courier.Mqtt.Packets;

/// <summary>
/// Writes whole packets into an <see cref="IBufferWriter{T}"/>, each in one pass: the body is
/// measured first, so the remaining length is known before the first byte is written. It never
/// flushes: the connection's writer loop decides when bytes go to the socket. It writes the
/// shortest form the spec allows (minimal variable byte integers; in 5.0 a success reason code and
/// empty properties left off the acknowledgements, DISCONNECT and AUTH).
/// </summary>
public static class MqttPacketWriter
{
    /// <param name="version">The connection's version; a CONNECT is written in its own <see cref="MqttConnect.ProtocolVersion"/>.</param>
    /// <exception cref="ArgumentException">The packet cannot be expressed (a string over 65,535 bytes, a property the packet may not carry, no topic filter, ...).</exception>
    public static void Write(IBufferWriter<byte> output, MqttPacket packet, MqttProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(packet);
        var v5 = version == MqttProtocolVersion.V500;
        if (packet is MqttAuth && !v5)
        {
            ThrowHelper.ThrowCannotEncode("AUTH exists only in MQTT 5.0");
        }

        var layout = MqttPacketEncoder.Measure(packet, v5);
        if (layout.BodySize > VariableByteInteger.MaxValue)
        {
            ThrowHelper.ThrowCannotEncode($"a packet body of {layout.BodySize} bytes exceeds MQTT's 268,435,455");
        }

        var size = 1 + VariableByteInteger.Measure(layout.BodySize) + layout.BodySize;
        var span = output.GetSpan(size);
        span[0] = (byte)(((int)packet.Type << 4) | FlagsOf(packet));
        var headerSize = 1 + VariableByteInteger.Write(span[1..], layout.BodySize);
        var writer = new MqttBodyWriter(span.Slice(headerSize, layout.BodySize));
        MqttPacketEncoder.Write(ref writer, packet, v5, layout);
        if (writer.Position != layout.BodySize)
        {
            throw new InvalidOperationException($"{packet.Type} wrote {writer.Position} bytes where it measured {layout.BodySize}");
        }

        output.Advance(size);
    }

    /// <summary>The bytes <see cref="Write"/> would write for <paramref name="packet"/>, fixed header included (what a Maximum Packet Size limits).</summary>
    /// <exception cref="ArgumentException">The packet cannot be expressed.</exception>
    public static long Measure(MqttPacket packet, MqttProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var bodySize = MqttPacketEncoder.Measure(packet, version == MqttProtocolVersion.V500).BodySize;
        return 1 + VariableByteInteger.Measure(Math.Min(bodySize, VariableByteInteger.MaxValue)) + (long)bodySize;
    }

    private static int FlagsOf(MqttPacket packet) => packet switch
    {
        MqttPublish publish => PublishFlags(publish),
        MqttPubRel or MqttSubscribe or MqttUnsubscribe => 0b0010,
        _ => 0,
    };

    private static int PublishFlags(MqttPublish publish)
    {
        if (publish.QoS > MqttQos.ExactlyOnce)
        {
            ThrowHelper.ThrowCannotEncode($"PUBLISH QoS {(int)publish.QoS}");
        }

        if ((publish.QoS == MqttQos.AtMostOnce) == (publish.PacketId != 0) || (publish.Dup && publish.QoS == MqttQos.AtMostOnce))
        {
            ThrowHelper.ThrowCannotEncode("a PUBLISH has a packet identifier (and may be DUP) exactly when its QoS is above 0");
        }

        return (publish.Dup ? 0b1000 : 0) | ((int)publish.QoS << 1) | (publish.Retain ? 1 : 0);
    }
}
