using System.Buffers;

namespace Courier.Amqp091.Tests.Framing;

/// <summary>
/// Builds a <see cref="ReadOnlySequence{T}"/> over one array with segment boundaries wherever a
/// test wants them, so a parser sees the same bytes arrive split the way a socket might split them.
/// Cuts may repeat or sit at either end, which produces empty segments: those are legal in a pipe's
/// buffer and the parser must cope with them too.
/// </summary>
internal static class SegmentedSequence
{
    public static ReadOnlySequence<byte> From(byte[] bytes, params int[] cuts)
    {
        var first = new Segment(ReadOnlyMemory<byte>.Empty, 0);
        var last = first;
        var start = 0;
        foreach (var cut in cuts)
        {
            if (cut < start || cut > bytes.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(cuts), "cuts must be ascending and inside the array");
            }

            last = last.Append(bytes.AsMemory(start, cut - start));
            start = cut;
        }

        last = last.Append(bytes.AsMemory(start));

        // The leading empty segment only anchors the chain; skip it unless it is all there is.
        var head = (Segment?)first.Next ?? first;
        return new ReadOnlySequence<byte>(head, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
