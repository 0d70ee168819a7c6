using System.Buffers;
using System.Buffers.Binary;

namespace Courier.Amqp091.Framing;

/// <summary>
/// Parses AMQP 0-9-1 frames from a connection's input with the pipe's consumed/examined contract:
/// on success <c>consumed</c> moves past the frame; when the buffer holds only part of a frame it
/// returns false and the caller marks the whole buffer examined and reads more. The declared size is
/// checked against the negotiated frame_max before anything waits for or copies the payload.
/// </summary>
public static class AmqpFrameReader
{
    /// <summary>Type (1), channel (2) and size (4).</summary>
    public const int HeaderSize = 7;

    /// <summary>Header plus the frame-end octet: what frame_max counts on top of the payload.</summary>
    public const int Overhead = HeaderSize + 1;

    /// <summary>"AMQP" 0 0 9 1: the only protocol header Courier accepts, and what it answers any other with.</summary>
    public static ReadOnlySpan<byte> ProtocolHeader => "AMQP\0\0\u0009\u0001"u8;

    public enum HeaderResult
    {
        NeedMore,
        Accepted,
        Rejected,
    }

    /// <summary>Checks the 8-byte protocol header a client opens with.</summary>
    public static HeaderResult TryReadProtocolHeader(ref ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < 8)
        {
            // A prefix that already differs is rejected without waiting for the rest.
            Span<byte> partial = stackalloc byte[8];
            var available = (int)buffer.Length;
            buffer.CopyTo(partial);
            return ProtocolHeader[..available].SequenceEqual(partial[..available]) ? HeaderResult.NeedMore : HeaderResult.Rejected;
        }

        Span<byte> header = stackalloc byte[8];
        buffer.Slice(0, 8).CopyTo(header);
        if (!header.SequenceEqual(ProtocolHeader))
        {
            return HeaderResult.Rejected;
        }

        buffer = buffer.Slice(8);
        return HeaderResult.Accepted;
    }

    /// <summary>
    /// Reads one frame from the front of <paramref name="buffer"/>. On success the frame's payload is
    /// a slice of the buffer and <paramref name="buffer"/> is advanced past the frame.
    /// </summary>
    /// <exception cref="AmqpProtocolException">501 FRAME_ERROR for an unknown type, an oversized frame or a bad frame-end octet.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, uint frameMax, out AmqpFrame frame)
    {
        frame = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        byte type;
        ushort channel;
        uint size;
        var first = buffer.FirstSpan;
        if (first.Length >= HeaderSize)
        {
            type = first[0];
            channel = BinaryPrimitives.ReadUInt16BigEndian(first[1..]);
            size = BinaryPrimitives.ReadUInt32BigEndian(first[3..]);
        }
        else
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            buffer.Slice(0, HeaderSize).CopyTo(header);
            type = header[0];
            channel = BinaryPrimitives.ReadUInt16BigEndian(header[1..]);
            size = BinaryPrimitives.ReadUInt32BigEndian(header[3..]);
        }

        if (type is not (AmqpConstants.FrameMethod or AmqpConstants.FrameHeader or AmqpConstants.FrameBody or AmqpConstants.FrameHeartbeat))
        {
            ThrowHelper.ThrowFrame($"unknown frame type {type}");
        }

        if (frameMax != 0 && (ulong)size + Overhead > frameMax)
        {
            ThrowHelper.ThrowFrame($"frame size {size + (ulong)Overhead} exceeds frame_max {frameMax}");
        }

        var total = (long)size + Overhead;
        if (buffer.Length < total)
        {
            return false;
        }

        var endOctet = buffer.Slice(HeaderSize + size, 1).FirstSpan[0];
        if (endOctet != AmqpConstants.FrameEnd)
        {
            ThrowHelper.ThrowFrame($"frame-end octet was 0x{endOctet:X2}, not 0xCE");
        }

        frame = new AmqpFrame((AmqpFrameType)type, channel, buffer.Slice(HeaderSize, size));
        buffer = buffer.Slice(total);
        return true;
    }

    /// <summary>Reads the class and method ids at the start of a method frame's payload.</summary>
    public static uint ReadMethodKey(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4)
        {
            ThrowHelper.ThrowFrame("method frame shorter than its class and method ids");
        }

        return BinaryPrimitives.ReadUInt32BigEndian(payload);
    }
}
