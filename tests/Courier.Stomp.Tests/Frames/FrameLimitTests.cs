using System.Buffers;
using Courier.Stomp.Frames;
using Xunit;
using static Courier.Stomp.Tests.Frames.FrameBytes;

namespace Courier.Stomp.Tests.Frames;

/// <summary>Each limit refuses a frame as soon as the bytes buffered prove it exceeded: before allocating for it, and before waiting for the rest.</summary>
public class FrameLimitTests
{
    private static readonly StompLimits Small = new() { MaxBodySize = 100, MaxHeaders = 3, MaxHeaderLineSize = 20, MaxCommandLineSize = 12 };

    [Fact]
    public void A_frame_announcing_a_huge_content_length_is_refused_from_its_header_without_a_large_allocation()
    {
        // Only the head has arrived: nothing of the 2 GB body is buffered or waited for.
        var head = Ascii("SEND\ndestination:/queue/a\ncontent-length:2000000000\n");
        Fails(head, StompVersion.V12); // warm up the throw path

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Fails(head, StompVersion.V12);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("content-length 2000000000 exceeds the maximum body size 104857600", error.Message);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_content_length_at_the_limit_waits_for_its_body_and_one_above_is_refused()
    {
        Assert.Equal(StompReadResult.NeedMore, Try("SEND\ncontent-length:100\n\n", StompVersion.V12, Small));
        Assert.Equal(100, Decode("SEND\ncontent-length:100\n\n" + new string('x', 100) + "\0", StompVersion.V12, Small).Body.Length);
        Assert.Contains("exceeds the maximum body size 100", Fails("SEND\ncontent-length:101\n", StompVersion.V12, Small).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_content_length_too_large_for_any_frame_is_refused()
    {
        Assert.Contains("larger than any frame", Fails("SEND\ncontent-length:9999999999\n", StompVersion.V12).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_without_content_length_is_refused_once_more_than_the_limit_is_buffered_with_no_nul()
    {
        Assert.Equal(StompReadResult.NeedMore, Try("SEND\n\n" + new string('x', 100), StompVersion.V12, Small));
        Assert.Equal(100, Decode("SEND\n\n" + new string('x', 100) + "\0", StompVersion.V12, Small).Body.Length);
        Assert.Contains("exceeds the maximum body size 100", Fails("SEND\n\n" + new string('x', 101), StompVersion.V12, Small).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_body_arriving_piece_by_piece_is_refused_when_it_passes_the_limit()
    {
        var reader = new StompFrameReader(Small);
        var bytes = Ascii("SEND\n\n" + new string('x', 200));
        var arrived = 6;
        for (; arrived <= 106; arrived++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, arrived);
            Assert.Equal(StompReadResult.NeedMore, reader.TryRead(ref buffer, StompVersion.V12, out _));
        }

        var last = new ReadOnlySequence<byte>(bytes, 0, arrived);
        Assert.Throws<StompProtocolException>(() => reader.TryRead(ref last, StompVersion.V12, out _));
    }

    [Fact]
    public void One_header_too_many_is_refused_before_the_blank_line_arrives()
    {
        Assert.Equal(3, Decode("SEND\na:1\nb:2\nc:3\n\n\0", StompVersion.V12, Small).Headers.Count);
        Assert.Equal("frame has more than 3 headers", Fails("SEND\na:1\nb:2\nc:3\nd:4\n", StompVersion.V12, Small).Message);
    }

    [Fact]
    public void Repeated_entries_count_towards_the_header_limit()
    {
        Assert.Equal("frame has more than 3 headers", Fails("SEND\na:1\na:1\na:1\na:1\n", StompVersion.V12, Small).Message);
    }

    [Fact]
    public void A_header_line_too_long_is_refused_before_its_line_ending_arrives()
    {
        Assert.Equal(15, Decode("SEND\nname:" + new string('x', 15) + "\n\n\0", StompVersion.V12, Small).Headers[0].Value.Length);
        Assert.Equal("header line longer than 20 bytes", Fails("SEND\nname:" + new string('x', 16), StompVersion.V12, Small).Message);
        Assert.Equal("header line longer than 20 bytes", Fails("SEND\nname:" + new string('x', 16) + "\n", StompVersion.V12, Small).Message);
    }

    [Fact]
    public void A_command_line_too_long_is_refused_before_its_line_ending_arrives()
    {
        Assert.Equal("command line longer than 1024 bytes", Fails(new string('A', 1025), StompVersion.V12).Message);
        Assert.Equal(StompReadResult.NeedMore, Try(new string('A', 1024), StompVersion.V12));
        Assert.Equal("command line longer than 12 bytes", Fails("UNSUBSCRIBE  \n", StompVersion.V12, Small).Message);
    }

    [Fact]
    public void A_huge_header_flood_is_refused_without_allocating_for_it()
    {
        var flood = Ascii("SEND\n" + string.Concat(Enumerable.Repeat("h:v\n", 1001)));
        Fails(flood, StompVersion.V12);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal("frame has more than 1000 headers", Fails(flood, StompVersion.V12).Message);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 1,000 entries of a one-letter name and value, and the list that holds them, are what it costs.
        Assert.True(allocated < 128 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Limits_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StompFrameReader(new StompLimits { MaxHeaders = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StompFrameReader(new StompLimits { MaxBodySize = -1 }));
    }
}
