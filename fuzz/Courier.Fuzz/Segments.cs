using System.Buffers;

namespace Courier.Fuzz;

/// <summary>
/// Input as a socket delivers it: in pieces. The piece sizes come from the input's first byte so
/// afl-fuzz can vary them and a crash replays the same way; a reader that resumes is called again
/// after each piece with everything unconsumed so far, as a connection's pipe does.
/// </summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>The whole of <paramref name="data"/> as one sequence of pieces of <paramref name="pieceSize"/> bytes (the last shorter).</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> data, int pieceSize)
    {
        if (data.Length <= pieceSize)
        {
            return new ReadOnlySequence<byte>(data);
        }

        var first = new Segments(data[..pieceSize], 0);
        var last = first;
        for (var at = pieceSize; at < data.Length; at += pieceSize)
        {
            var next = new Segments(data[at..Math.Min(at + pieceSize, data.Length)], at);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>1 to 64 bytes a piece, from a selector byte.</summary>
    public static int PieceSize(byte selector) => 1 + (selector % 64);

    /// <summary>
    /// Feeds <paramref name="data"/> piece by piece to <paramref name="read"/>, which consumes what it
    /// can from the front of the buffer it is given and returns false once it needs more bytes.
    /// Returns how many bytes were consumed in all.
    /// </summary>
    public static long Feed(ReadOnlyMemory<byte> data, int pieceSize, ReadStep read)
    {
        // One chain for the whole input, sliced as bytes arrive: the harness's own allocations stay
        // linear in the input, so what the allocation budget sees is the parser's.
        var all = Split(data, pieceSize);
        long consumed = 0;
        for (var arrived = Math.Min(pieceSize, data.Length); ; arrived = Math.Min(arrived + pieceSize, data.Length))
        {
            var buffer = all.Slice(consumed, arrived - consumed);
            while (!buffer.IsEmpty)
            {
                var before = buffer.Length;
                if (!read(ref buffer))
                {
                    break;
                }

                if (buffer.Length >= before)
                {
                    // It would be called again on the same bytes for ever: a hang on a real connection.
                    throw new InvalidOperationException("the reader reported a frame but consumed nothing");
                }
            }

            consumed = arrived - buffer.Length;
            if (arrived == data.Length)
            {
                return consumed;
            }
        }
    }

    public delegate bool ReadStep(ref ReadOnlySequence<byte> buffer);
}
