using Courier.Stomp.Frames;
using Xunit;
using static Courier.Stomp.Tests.Frames.FrameBytes;

namespace Courier.Stomp.Tests.Frames;

/// <summary>The frame's header accessors and what the writer refuses to write.</summary>
public class FrameTests
{
    [Fact]
    public void The_first_of_repeated_entries_is_the_value_and_every_entry_is_kept()
    {
        var frame = Decode("MESSAGE\nfoo:World\nfoo:Hello\n\n\0", StompVersion.V12);

        Assert.Equal("World", frame["foo"]);
        Assert.Equal([new("foo", "World"), new("foo", "Hello")], frame.Headers);
    }

    [Fact]
    public void Typed_accessors_read_the_common_headers()
    {
        var frame = Decode(
            "SEND\ndestination:/queue/a\ncontent-type:text/plain\ncontent-length:2\nreceipt:r\nid:7\nack:client\ntransaction:tx\n\nhi\0",
            StompVersion.V12);

        Assert.Equal(("/queue/a", "text/plain", 2, "r", "7", "client", "tx"),
            (frame.Destination, frame.ContentType, frame.ContentLength, frame.Receipt, frame.Id, frame.Ack, frame.Transaction));
        Assert.Null(frame["missing"]);
        Assert.False(frame.TryGetHeader("Destination", out _));
    }

    [Fact]
    public void A_missing_header_reads_as_null()
    {
        var frame = new StompFrame(StompCommand.Disconnect);

        Assert.Null(frame.Receipt);
        Assert.Null(frame.ContentLength);
        Assert.Empty(frame.Headers);
    }

    [Fact]
    public void The_writer_computes_content_length_and_drops_the_frame_s_own()
    {
        var frame = new StompFrame(StompCommand.Send, [new("content-length", "999"), new("destination", "/queue/a")], "a\0b"u8.ToArray());

        Assert.Equal("SEND\ndestination:/queue/a\ncontent-length:3\n\na\0b\0", System.Text.Encoding.UTF8.GetString(Encode(frame, StompVersion.V12)));
    }

    [Fact]
    public void A_heart_beat_is_one_lf()
    {
        var output = new System.Buffers.ArrayBufferWriter<byte>();

        StompFrameWriter.WriteHeartBeat(output);

        Assert.Equal("\n"u8.ToArray(), output.WrittenSpan.ToArray());
    }

    public static TheoryData<StompVersion, StompFrame> Unwritable() => new()
    {
        { StompVersion.V12, new StompFrame(StompCommand.Subscribe, [new("id", "0")], "x"u8.ToArray()) },
        { StompVersion.V12, new StompFrame(StompCommand.Send, [new(string.Empty, "v")]) },
        { StompVersion.V12, new StompFrame(StompCommand.Send, [new("k", "a\0b")]) },
        { StompVersion.V12, new StompFrame(StompCommand.Send, [new("k", "\ud800")]) },
        { StompVersion.V10, new StompFrame(StompCommand.Send, [new("k", "a\nb")]) },
        { StompVersion.V10, new StompFrame(StompCommand.Send, [new("k:", "v")]) },
        { StompVersion.V12, new StompFrame(StompCommand.Connect, [new("k", "a\nb")]) },
        { StompVersion.V11, new StompFrame(StompCommand.Connected, [new("k", "v\r")]) },
    };

    [Theory]
    [MemberData(nameof(Unwritable))]
    public void What_the_frame_s_encoding_cannot_carry_is_refused(StompVersion version, StompFrame frame)
    {
        Assert.ThrowsAny<ArgumentException>(() => Encode(frame, version));
    }
}
