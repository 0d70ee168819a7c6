using System.Buffers;
using Courier.Amqp091.Tests.Framing;
using Courier.Stomp.Frames;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using static Courier.Stomp.Tests.Frames.FrameBytes;

namespace Courier.Stomp.Tests.Frames;

/// <summary>
/// A socket delivers bytes in arbitrary pieces; the reader must give the same frames and heart-beats
/// however the stream is cut, and must ask for more (never throw, never consume) while a frame is incomplete.
/// </summary>
public class FrameSplittingTests
{
    /// <summary>Every sample of a version one after another, with no EOL, an LF or a CR LF between them in turn, and where each item ends.</summary>
    private static (byte[] Bytes, List<string> Items, List<int> Ends) Stream(StompVersion version)
    {
        var bytes = new List<byte>();
        var items = new List<string>();
        var ends = new List<int>();
        var i = 0;
        foreach (var frame in FrameSamples.For(version).Values)
        {
            bytes.AddRange(Encode(frame, version));
            items.Add(Describe(frame));
            ends.Add(bytes.Count);
            if (i++ % 3 > 0)
            {
                bytes.AddRange(i % 3 == 1 ? "\n"u8.ToArray() : "\r\n"u8.ToArray());
                items.Add(HeartBeat);
                ends.Add(bytes.Count);
            }
        }

        return (bytes.ToArray(), items, ends);
    }

    private static void AssertReadsWhole(ReadOnlySequence<byte> buffer, StompVersion version, List<string> expected, string because)
    {
        var read = ReadAll(new StompFrameReader(), ref buffer, version);

        Assert.True(expected.SequenceEqual(read), because);
        Assert.True(buffer.IsEmpty, $"{because}: {buffer.Length} bytes left unread");
    }

    [Theory]
    [MemberData(nameof(EveryVersion), MemberType = typeof(FrameBytes))]
    public void Frames_split_into_two_segments_at_every_byte_read_the_same(StompVersion version)
    {
        var (bytes, expected, _) = Stream(version);
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            AssertReadsWhole(SegmentedSequence.From(bytes, cut), version, expected, $"cut at {cut}");
        }
    }

    [Theory]
    [MemberData(nameof(EveryVersion), MemberType = typeof(FrameBytes))]
    public void Frames_with_every_byte_in_a_segment_of_its_own_read_the_same(StompVersion version)
    {
        var (bytes, expected, _) = Stream(version);

        AssertReadsWhole(SegmentedSequence.From(bytes, [.. Enumerable.Range(1, bytes.Length - 1)]), version, expected, "one byte a segment");
    }

    [Theory]
    [MemberData(nameof(EveryVersion), MemberType = typeof(FrameBytes))]
    public void Fed_one_byte_at_a_time_the_reader_asks_for_more_until_each_frame_is_whole(StompVersion version)
    {
        var (bytes, expected, ends) = Stream(version);
        var reader = new StompFrameReader();
        var read = new List<string>();
        var consumed = 0;
        for (var arrived = 0; arrived <= bytes.Length; arrived++)
        {
            // What a pipe would hold: everything arrived but not yet consumed, cut where the last byte came in.
            var pending = bytes[consumed..arrived];
            var buffer = SegmentedSequence.From(pending, Math.Max(0, pending.Length - 1));
            read.AddRange(ReadAll(reader, ref buffer, version));

            consumed = arrived - (int)buffer.Length;
            Assert.Equal(ends.LastOrDefault(end => end <= arrived), consumed);
        }

        Assert.Equal(expected, read);
    }

    [Property(MaxTest = 300)]
    public Property Any_frame_cut_anywhere_reads_the_same()
    {
        var cases = from version in Gen.Elements(Versions)
                    from sample in Gen.Elements(FrameSamples.For(version).Keys.ToArray())
                    let bytes = Encode(FrameSamples.For(version)[sample], version)
                    from cuts in Gen.ListOf(Gen.Choose(0, bytes.Length), 4)
                    select (version, sample, bytes, cuts: cuts.Order().ToArray());

        return Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var buffer = SegmentedSequence.From(c.bytes, c.cuts);

            Assert.Equal([Describe(FrameSamples.For(c.version)[c.sample])], ReadAll(new StompFrameReader(), ref buffer, c.version));
            Assert.True(buffer.IsEmpty);
        });
    }

    [Fact]
    public void A_1_2_frame_with_cr_lf_line_endings_reads_as_with_lf_at_every_cut()
    {
        var bytes = Ascii("\r\nSEND\r\ndestination:/queue/a\r\nreceipt:r\r\n\r\nbody\0\r\n");
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var buffer = SegmentedSequence.From(bytes, cut);

            var read = ReadAll(new StompFrameReader(), ref buffer, StompVersion.V12);

            Assert.Equal([HeartBeat, "SEND [destination=/queue/a] [receipt=r] body 626F6479", HeartBeat], read);
        }
    }
}
