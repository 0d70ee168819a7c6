using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Courier.Mqtt.Packets;

/// <summary>
/// Parses MQTT packets from a connection's input with the pipe's contract: on success the packet is
/// returned and <c>buffer</c> moves past it; when the buffer holds only part of a packet it returns
/// false, leaves <c>buffer</c> as it was, and the caller marks it examined and reads more.
/// </summary>
/// <remarks>
/// The fixed header is checked in full before anything waits for the body: the packet type must be
/// one the version knows, the flag bits must be the ones the spec fixes for the type, and the packet
/// size (fixed header plus remaining length, as MQTT 5.0's Maximum Packet Size counts it) must not
/// exceed <c>maximumPacketSize</c>. So a hostile length costs at most five bytes of reading, never a
/// wait for or a copy of the body it claims. The body is read from the buffer in place when it lies
/// in one segment, and otherwise copied once into a pooled array that is returned before this
/// method returns; only the packet's own contents (strings, payload) are allocated. Every failure,
/// for any input, is an <see cref="MqttProtocolException"/>.
/// </remarks>
public static class MqttPacketReader
{
    /// <summary>The largest packet MQTT can express: one type byte, four length bytes, 268,435,455 bytes of body.</summary>
    public const int ProtocolMaximumPacketSize = 1 + VariableByteInteger.MaxLength + VariableByteInteger.MaxValue;

    /// <param name="buffer">The connection's unread input.</param>
    /// <param name="version">The version the connection's CONNECT chose. A CONNECT itself is read by its own protocol level.</param>
    /// <param name="maximumPacketSize">The largest whole packet accepted; a larger one is refused with reason 0x95 from its fixed header alone.</param>
    /// <param name="packet">The packet, when the method returns true.</param>
    /// <exception cref="MqttProtocolException">The input is not a valid packet, or is too large.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maximumPacketSize"/> is not positive (a caller's bug, never input).</exception>
    public static bool TryRead(
        ref ReadOnlySequence<byte> buffer, MqttProtocolVersion version, int maximumPacketSize, [NotNullWhen(true)] out MqttPacket? packet)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maximumPacketSize);
        packet = null;
        if (buffer.IsEmpty)
        {
            return false;
        }

        // Fast path: the fixed header lies in the first segment, as it almost always does.
        scoped var head = buffer.FirstSpan;
        Span<byte> copied = stackalloc byte[1 + VariableByteInteger.MaxLength];
        if (head.Length < copied.Length && buffer.Length > head.Length)
        {
            var available = (int)Math.Min(copied.Length, buffer.Length);
            buffer.Slice(0, available).CopyTo(copied);
            head = copied[..available];
        }

        var first = head[0];
        CheckFixedHeader(first, version);
        if (!VariableByteInteger.TryRead(head[1..], out var remainingLength, out var lengthSize))
        {
            return false;
        }

        var size = 1L + lengthSize + remainingLength;
        if (size > maximumPacketSize)
        {
            ThrowHelper.ThrowTooLarge(size, maximumPacketSize);
        }

        if (buffer.Length < size)
        {
            return false;
        }

        var body = buffer.Slice(1 + lengthSize, remainingLength);
        if (body.IsSingleSegment)
        {
            packet = MqttPacketDecoder.Decode(first, body.FirstSpan, version);
        }
        else
        {
            var rented = ArrayPool<byte>.Shared.Rent(remainingLength);
            try
            {
                body.CopyTo(rented);
                packet = MqttPacketDecoder.Decode(first, rented.AsSpan(0, remainingLength), version);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        buffer = buffer.Slice(size);
        return true;
    }

    /// <summary>The rules on the first byte: a known type and the flag bits the spec fixes for it (2.1.3, 3.3.1).</summary>
    private static void CheckFixedHeader(byte first, MqttProtocolVersion version)
    {
        var type = (MqttPacketType)(first >> 4);
        var flags = first & 0x0F;
        switch (type)
        {
            case 0:
                ThrowHelper.ThrowMalformed("packet type 0 is reserved");
                break;
            case MqttPacketType.Auth when version != MqttProtocolVersion.V500:
                ThrowHelper.ThrowMalformed("packet type 15 is reserved before MQTT 5.0");
                break;
            case MqttPacketType.Publish:
                var qos = (flags >> 1) & 0b11;
                if (qos == 3)
                {
                    ThrowHelper.ThrowMalformed("PUBLISH with QoS 3");
                }

                if (qos == 0 && (flags & 0b1000) != 0)
                {
                    ThrowHelper.ThrowMalformed("PUBLISH with DUP set at QoS 0");
                }

                break;
            case MqttPacketType.PubRel or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe:
                if (flags != 0b0010)
                {
                    ThrowHelper.ThrowMalformed($"{type} fixed header flags must be 0010, not {Convert.ToString(flags, 2).PadLeft(4, '0')}");
                }

                break;
            default:
                if (flags != 0)
                {
                    ThrowHelper.ThrowMalformed($"{type} fixed header flags must be 0000, not {Convert.ToString(flags, 2).PadLeft(4, '0')}");
                }

                break;
        }
    }
}
