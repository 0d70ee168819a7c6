using System.Buffers;
using Courier.Amqp091.Framing;
using Xunit;

namespace Courier.Amqp091.Tests.Framing;

/// <summary>A frame copied out of the reader's buffer, so it can be compared after the buffer moves on.</summary>
internal sealed record ParsedFrame(AmqpFrameType Type, ushort Channel, byte[] Payload)
{
    public static ParsedFrame From(in AmqpFrame frame) => new(frame.Type, frame.Channel, frame.Payload.ToArray());

    /// <summary>Reads frames until the reader asks for more bytes; <paramref name="buffer"/> is left at the unread rest.</summary>
    public static List<ParsedFrame> ReadAll(ref ReadOnlySequence<byte> buffer, uint frameMax)
    {
        var frames = new List<ParsedFrame>();
        while (AmqpFrameReader.TryReadFrame(ref buffer, frameMax, out var frame))
        {
            frames.Add(From(frame));
        }

        return frames;
    }

    public static void AssertSame(IReadOnlyList<ParsedFrame> expected, IReadOnlyList<ParsedFrame> actual, string because)
    {
        Assert.True(expected.Count == actual.Count, $"{because}: expected {expected.Count} frames, read {actual.Count}");
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Type == actual[i].Type, $"{because}: frame {i} type {actual[i].Type}, expected {expected[i].Type}");
            Assert.True(expected[i].Channel == actual[i].Channel, $"{because}: frame {i} channel {actual[i].Channel}, expected {expected[i].Channel}");
            Assert.True(expected[i].Payload.AsSpan().SequenceEqual(actual[i].Payload), $"{because}: frame {i} payload differs");
        }
    }
}
