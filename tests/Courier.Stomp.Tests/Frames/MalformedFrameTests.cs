using Courier.Stomp.Frames;
using Xunit;
using static Courier.Stomp.Tests.Frames.FrameBytes;

namespace Courier.Stomp.Tests.Frames;

/// <summary>What the specifications forbid, one test each, with the message the ERROR frame will carry.</summary>
public class MalformedFrameTests
{
    private const StompVersion V10 = StompVersion.V10;
    private const StompVersion V11 = StompVersion.V11;
    private const StompVersion V12 = StompVersion.V12;

    [Theory]
    [InlineData("FOO\n\n\0", "unknown command 'FOO'")]
    [InlineData("send\n\n\0", "unknown command 'send'")]
    [InlineData("SEND \n\n\0", "unknown command 'SEND '")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "unknown command 'GET / HTTP/1.1'")]
    [InlineData("\rSEND\n\n\0", "unknown command '\\x0DSEND'")]
    public void An_unknown_command_is_refused_from_its_command_line(string input, string message)
    {
        Assert.Equal(message, Fails(input, V12).Message);
    }

    [Fact]
    public void An_unknown_command_is_quoted_printably_and_briefly()
    {
        var error = Fails("\u001b[31m:" + new string('A', 100) + "\n", V12, new StompLimits { MaxCommandLineSize = 200 });

        Assert.Equal("unknown command '\\x1B[31m\\x3A" + new string('A', 34) + "...'", error.Message);
    }

    [Fact]
    public void A_frame_that_ends_inside_its_command_line_is_refused()
    {
        Assert.Equal("frame ends (NUL) inside its command line", Fails("SEND\0", V12).Message);
    }

    [Fact]
    public void A_frame_that_ends_before_its_blank_line_is_refused()
    {
        Assert.Equal("frame ends (NUL) before the blank line that ends its headers", Fails("SEND\ndestination:/queue/a\0", V12).Message);
    }

    [Theory]
    [InlineData(V11)]
    [InlineData(V12)]
    public void A_header_line_without_a_colon_is_refused(StompVersion version)
    {
        // 1.2's grammar: header = header-name ":" header-value, and a name has at least one octet.
        Assert.Equal("header line without a colon: 'destination'", Fails("SEND\ndestination\n\n\0", version).Message);
        Assert.Equal("header with an empty name", Fails("SEND\n:value\n\n\0", version).Message);
    }

    [Theory]
    [InlineData("SEND\nk:a\\tb\n\n\0", V12, "undefined escape sequence '\\t' in a header")]
    [InlineData("SEND\nk:a\\\n\n\0", V12, "header ends in a lone backslash")]
    [InlineData("SEND\nk\\x:a\n\n\0", V12, "undefined escape sequence '\\x' in a header")]
    [InlineData("SEND\nk:a\\rb\n\n\0", V11, "undefined escape sequence '\\r' in a header")]
    public void An_undefined_escape_sequence_is_refused(string input, StompVersion version, string message)
    {
        Assert.Equal(message, Fails(input, version).Message);
    }

    [Fact]
    public void Escape_sequences_mean_nothing_in_1_0_and_in_handshake_frames()
    {
        Assert.Equal("a\\tb\\c", Decode("SEND\nk:a\\tb\\c\n\n\0", V10)["k"]);
        Assert.Equal("a\\tb\\c", Decode("CONNECT\npasscode:a\\tb\\c\n\n\0", V12)["passcode"]);
        Assert.Equal("a\\tb", Decode("CONNECTED\nserver:a\\tb\n\n\0", V11)["server"]);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("")]
    [InlineData(" 5")]
    [InlineData("5 ")]
    [InlineData("0x10")]
    public void A_content_length_that_is_not_a_decimal_integer_is_refused(string value)
    {
        var error = Fails($"SEND\ncontent-length:{value}\n\nabcde\0", V12);

        Assert.Equal($"content-length '{value}' is not a non-negative decimal integer", error.Message);
    }

    [Theory]
    [InlineData("SEND\ncontent-length:3\n\nabcX")]
    [InlineData("SEND\ncontent-length:3\n\nabcd\0")]
    [InlineData("SEND\ncontent-length:3\n\nab\0c")]
    public void A_content_length_body_not_followed_by_a_nul_is_refused(string input)
    {
        Assert.Equal("body of content-length 3 is not followed by a NUL", Fails(input, V12).Message);
    }

    [Fact]
    public void A_content_length_body_may_hold_nuls()
    {
        Assert.Equal("a\0b"u8.ToArray(), Decode("SEND\ncontent-length:3\n\na\0b\0", V12).Body.ToArray());
    }

    [Fact]
    public void The_first_content_length_is_the_one_that_counts()
    {
        var frame = Decode("SEND\ncontent-length:3\ncontent-length:5\n\nabc\0", V12);

        Assert.Equal(3, frame.ContentLength);
        Assert.Equal(2, frame.Headers.Count);
    }

    [Theory]
    [InlineData(V11)]
    [InlineData(V12)]
    public void Only_send_message_and_error_may_have_a_body(StompVersion version)
    {
        Assert.Equal("SUBSCRIBE frame must not have a body", Fails("SUBSCRIBE\nid:0\n\nx\0", version).Message);
        Assert.Equal("ACK frame must not have a body", Fails("ACK\nid:0\ncontent-length:1\n\n\0\0", version).Message);
        Assert.True(Decode("ACK\nid:0\ncontent-length:0\n\n\0", version).Body.IsEmpty);
    }

    [Fact]
    public void A_1_0_frame_may_have_a_body_whatever_its_command()
    {
        Assert.Equal("x"u8.ToArray(), Decode("SUBSCRIBE\ndestination:/queue/a\n\nx\0", V10).Body.ToArray());
    }

    [Fact]
    public void A_header_that_is_not_utf8_is_refused()
    {
        byte[] input = [.. Ascii("SEND\nk:"), 0xC3, 0x28, .. Ascii("\n\n\0")];

        Assert.Equal("header is not valid UTF-8: '\\xC3('", Fails(input, V12).Message);
    }

    [Fact]
    public void Cr_lf_ends_lines_in_1_2_and_1_0_but_in_1_1_a_cr_belongs_to_the_value()
    {
        Assert.Equal("bar", Decode("SEND\nfoo:bar\r\n\n\0", V12)["foo"]);
        Assert.Equal("bar\r", Decode("SEND\nfoo:bar\r\n\n\0", V11)["foo"]);
        Assert.Equal("a\rb", Decode("SEND\nfoo:a\rb\r\n\n\0", V12)["foo"]);
        Assert.Equal("bar", Decode("SEND\r\nfoo:bar\r\n\r\n\0", V10)["foo"]);
    }

    [Fact]
    public void A_1_1_frame_with_cr_lf_line_endings_is_refused_at_its_blank_line()
    {
        Assert.Equal("header line without a colon: '\\x0D'", Fails("SEND\r\nfoo:bar\r\n\r\n\0", V11).Message);
    }

    [Theory]
    [InlineData(V10)]
    [InlineData(V11)]
    public void Handshake_frames_take_cr_lf_in_every_version(StompVersion version)
    {
        var connect = Decode("CONNECT\r\naccept-version:1.1,1.2\r\nhost:/\r\n\r\n\0", version);

        Assert.Equal("1.1,1.2", connect["accept-version"]);
        Assert.Equal("/", connect["host"]);
    }

    [Fact]
    public void In_1_0_whitespace_around_names_and_values_is_trimmed()
    {
        var frame = Decode("SEND\r\n destination : /queue/a \r\n\r\n\0", V10);

        Assert.Equal("/queue/a", frame.Destination);
    }

    [Fact]
    public void In_1_1_and_1_2_whitespace_is_kept()
    {
        Assert.Equal(" /queue/a ", Decode("SEND\ndestination: /queue/a \n\n\0", V12).Destination);
        Assert.Equal("v", Decode("SEND\n k :v\n\n\0", V11)[" k "]);
    }

    [Fact]
    public void A_colon_after_the_first_belongs_to_the_value()
    {
        Assert.Equal("a:b:c", Decode("SEND\nk:a:b:c\n\n\0", V12)["k"]);
    }

    [Fact]
    public void After_a_failure_the_reader_starts_afresh()
    {
        var reader = new StompFrameReader();
        var bad = new System.Buffers.ReadOnlySequence<byte>(Ascii("SEND\nnocolon\n"));
        Assert.Throws<StompProtocolException>(() => reader.TryRead(ref bad, V12, out _));

        var good = new System.Buffers.ReadOnlySequence<byte>(Ascii("DISCONNECT\n\n\0"));
        Assert.Equal(StompReadResult.Frame, reader.TryRead(ref good, V12, out var frame));
        Assert.Equal(StompCommand.Disconnect, frame!.Command);
    }
}
