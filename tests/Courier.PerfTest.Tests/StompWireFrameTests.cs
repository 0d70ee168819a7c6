using System.Text;
using Courier.PerfTest.Stomp.Wire;

namespace Courier.PerfTest.Tests;

public sealed class StompWireFrameTests
{
    [Fact]
    public void A_body_with_content_length_is_read_whole_even_when_it_holds_NUL()
    {
        byte[] wire = Bytes("MESSAGE\ndestination:/queue/a\ncontent-length:5\nack:7\n\n", [1, 0, 2, 0, 3], "\0");

        Assert.True(StompWireFrame.TryParse(wire, out var frame, out int consumed));

        Assert.Equal(wire.Length, consumed);
        Assert.True(frame.Is("MESSAGE"u8));
        Assert.Equal(new byte[] { 1, 0, 2, 0, 3 }, frame.Body.ToArray());
        Assert.Equal("7", frame.HeaderText("ack"u8));
        Assert.Equal("/queue/a", frame.HeaderText("destination"u8));
    }

    [Fact]
    public void A_body_without_content_length_ends_at_the_first_NUL()
    {
        byte[] wire = Bytes("RECEIPT\nreceipt-id:42\n\nhello\0MESSAGE\n\n\0");

        Assert.True(StompWireFrame.TryParse(wire, out var frame, out int consumed));

        Assert.Equal("RECEIPT\nreceipt-id:42\n\nhello\0".Length, consumed);
        Assert.Equal("hello", Encoding.UTF8.GetString(frame.Body));
        Assert.True(frame.TryGetHeader("receipt-id"u8, out var id));
        Assert.Equal("42", Encoding.UTF8.GetString(id));
    }

    [Fact]
    public void Lines_may_end_with_CR_LF()
    {
        byte[] wire = Bytes("CONNECTED\r\nversion:1.2\r\nserver:x/1\r\n\r\n\0");

        Assert.True(StompWireFrame.TryParse(wire, out var frame, out int consumed));

        Assert.Equal(wire.Length, consumed);
        Assert.True(frame.Is("CONNECTED"u8));
        Assert.Equal("1.2", frame.HeaderText("version"u8));
        Assert.Equal("x/1", frame.HeaderText("server"u8));
        Assert.True(frame.Body.IsEmpty);
    }

    [Fact]
    public void Heart_beats_before_a_frame_are_skipped_and_consumed_with_it()
    {
        byte[] wire = Bytes("\n\r\n\nRECEIPT\nreceipt-id:1\n\n\0");

        Assert.True(StompWireFrame.TryParse(wire, out var frame, out int consumed));

        Assert.Equal(wire.Length, consumed);
        Assert.True(frame.Is("RECEIPT"u8));
    }

    [Fact]
    public void Only_heart_beats_are_not_a_frame()
    {
        Assert.False(StompWireFrame.TryParse(Bytes("\n\n\r\n"), out _, out int consumed));
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void A_frame_cut_anywhere_is_not_read_until_it_is_whole()
    {
        byte[] wire = Bytes("MESSAGE\r\nsubscription:0\nmessage-id:m\\c1\ncontent-length:3\n\n", [0, 0, 0], "\0");

        for (int cut = 0; cut < wire.Length; cut++)
        {
            Assert.False(StompWireFrame.TryParse(wire.AsSpan(0, cut), out _, out int consumed), $"read a frame from the first {cut} bytes");
            Assert.Equal(0, consumed);
        }

        Assert.True(StompWireFrame.TryParse(wire, out var frame, out int whole));
        Assert.Equal(wire.Length, whole);
        Assert.Equal(3, frame.Body.Length);
    }

    [Fact]
    public void A_repeated_header_keeps_its_first_value()
    {
        Assert.True(StompWireFrame.TryParse(Bytes("MESSAGE\nfoo:first\nfoo:second\nfoobar:x\n\n\0"), out var frame, out _));

        Assert.Equal("first", frame.HeaderText("foo"u8));
        Assert.Equal("x", frame.HeaderText("foobar"u8));
        Assert.Null(frame.HeaderText("fo"u8));
    }

    [Fact]
    public void Header_values_are_unescaped_as_STOMP_1_2_escapes_them()
    {
        Assert.Equal("ID:a\\b\nc\rd", StompWireFrame.Unescape("ID\\ca\\\\b\\nc\\rd"u8));
        Assert.Equal("plain", StompWireFrame.Unescape("plain"u8));
    }

    [Fact]
    public void An_ERROR_frame_is_described_by_its_message_and_body()
    {
        Assert.True(StompWireFrame.TryParse(Bytes("ERROR\nmessage:access refused\\c guest\n\nno such vhost\n\0"), out var frame, out _));

        Assert.Equal("access refused: guest: no such vhost", frame.Describe());
    }

    [Theory]
    [InlineData("MESSAGE\ncontent-length:abc\n\n\0")]
    [InlineData("MESSAGE\ncontent-length:-1\n\n\0")]
    [InlineData("MESSAGE\ncontent-length:2\n\nabc\0")] // no NUL after the counted body
    [InlineData("\nfoo:bar\n\n\0")] // a header where the command should be
    public void Bytes_that_are_not_a_frame_are_refused(string wire)
    {
        Assert.Throws<InvalidDataException>(() => StompWireFrame.TryParse(Bytes(wire), out _, out _));
    }

    [Fact]
    public void A_frame_larger_than_the_limit_is_refused_before_it_is_buffered()
    {
        byte[] wire = Bytes($"MESSAGE\ncontent-length:{StompWireFrame.MaxFrameBytes}\n\n");

        Assert.Throws<InvalidDataException>(() => StompWireFrame.TryParse(wire, out _, out _));
    }

    internal static byte[] Bytes(string text, byte[]? body = null, string tail = "")
    {
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(text));
        bytes.AddRange(body ?? []);
        bytes.AddRange(Encoding.UTF8.GetBytes(tail));
        return [.. bytes];
    }
}
