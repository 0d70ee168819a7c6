using System.Buffers;
using Courier.Amqp091.Framing;

namespace Courier.Benchmarks.Framing;

/// <summary>
/// The bytes a client sends for one publish of <see cref="SampleMessage"/> on channel 1
/// (basic.publish method frame, content header frame, one 256-byte body frame), written by the
/// broker's own frame writer, and the same bytes as the pipe might hand them over: in one segment,
/// or split into several so that frame headers and payloads straddle segment boundaries.
/// </summary>
public sealed class PublishFrames
{
    public const ushort Channel = 1;

    public const uint FrameMax = 131072;

    public PublishFrames()
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteMethod(output, Channel, new BasicPublish { Exchange = SampleMessage.Exchange, RoutingKey = SampleMessage.RoutingKey });
        var methodEnd = output.WrittenCount;
        AmqpFrameWriter.WriteContentHeader(output, Channel, BasicPublish.ClassIdValue, SampleMessage.BodySize, SampleMessage.CreateProperties());
        var headerEnd = output.WrittenCount;
        AmqpFrameWriter.WriteBody(output, Channel, SampleMessage.CreateBody(), FrameMax);
        Bytes = output.WrittenMemory.ToArray();

        // Cut inside the method frame's 7-byte header (its slow path), inside the content header's
        // payload, and twice inside the body, so that every frame arrives in pieces.
        var bodyStart = headerEnd + AmqpFrameReader.HeaderSize;
        Split = Segments.Create(Bytes, [3, methodEnd + 10, bodyStart + 100, bodyStart + 200]);
        SingleSegment = new ReadOnlySequence<byte>(Bytes);
    }

    public byte[] Bytes { get; }

    public ReadOnlySequence<byte> SingleSegment { get; }

    public ReadOnlySequence<byte> Split { get; }

    /// <summary>A read-only sequence over separate arrays, one per piece, as a pipe's segments are.</summary>
    private sealed class Segments : ReadOnlySequenceSegment<byte>
    {
        private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public static ReadOnlySequence<byte> Create(byte[] bytes, int[] cuts)
        {
            Segments? first = null;
            Segments? last = null;
            var start = 0;
            for (var i = 0; i <= cuts.Length; i++)
            {
                var end = i < cuts.Length ? cuts[i] : bytes.Length;
                var segment = new Segments(bytes.AsSpan(start, end - start).ToArray(), start);
                if (last is null)
                {
                    first = segment;
                }
                else
                {
                    last.Next = segment;
                }

                last = segment;
                start = end;
            }

            return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
        }
    }
}
