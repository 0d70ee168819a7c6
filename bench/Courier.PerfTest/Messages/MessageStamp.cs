using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace Courier.PerfTest.Messages;

/// <summary>
/// The first <see cref="Size"/> bytes of every body: a magic number, the producer's id, its
/// sequence number and the publish time. The rest of the body is padding to the requested size.
/// </summary>
/// <remarks>
/// The time is <see cref="Stopwatch.GetTimestamp"/>, which on Linux is CLOCK_MONOTONIC and so
/// comparable between a publish-only and a consume-only process on the same machine.
/// </remarks>
public readonly record struct MessageStamp(int ProducerId, long Sequence, long Timestamp)
{
    public const int Size = 24;

    private const int Magic = 0x31545043; // "CPT1" little-endian

    public void Write(Span<byte> body)
    {
        BinaryPrimitives.WriteInt32LittleEndian(body, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(body[4..], ProducerId);
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(body[16..], Timestamp);
    }

    public static bool TryRead(ReadOnlySpan<byte> body, out MessageStamp stamp)
    {
        if (body.Length < Size || BinaryPrimitives.ReadInt32LittleEndian(body) != Magic)
        {
            stamp = default;
            return false;
        }

        stamp = new MessageStamp(
            BinaryPrimitives.ReadInt32LittleEndian(body[4..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(body[16..]));
        return true;
    }

    public static bool TryRead(in ReadOnlySequence<byte> body, out MessageStamp stamp)
    {
        if (body.FirstSpan.Length >= Size)
        {
            return TryRead(body.FirstSpan, out stamp);
        }

        Span<byte> head = stackalloc byte[Size];
        if (body.Length < Size)
        {
            stamp = default;
            return false;
        }

        body.Slice(0, Size).CopyTo(head);
        return TryRead(head, out stamp);
    }

    /// <summary>A body of <paramref name="size"/> bytes whose padding is a fixed, non-zero pattern.</summary>
    public static byte[] NewBody(int size)
    {
        var body = new byte[Math.Max(size, Size)];
        for (int i = Size; i < body.Length; i++)
        {
            body[i] = (byte)('a' + (i % 26));
        }

        return body;
    }
}
