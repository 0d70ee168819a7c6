using Courier.Stomp.Frames;
using Xunit;
using static Courier.Stomp.Tests.Frames.FrameBytes;

namespace Courier.Stomp.Tests.Frames;

public class RoundTripTests
{
    public static TheoryData<StompVersion, string> Samples()
    {
        var data = new TheoryData<StompVersion, string>();
        foreach (var version in Versions)
        {
            foreach (var name in FrameSamples.For(version).Keys)
            {
                data.Add(version, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_frame_reads_back_as_written_and_writes_the_same_bytes_again(StompVersion version, string sample)
    {
        var frame = FrameSamples.For(version)[sample];
        var bytes = Encode(frame, version);

        var decoded = Decode(bytes, version);

        Assert.Equal(Describe(frame), Describe(decoded));
        Assert.Equal(bytes, Encode(decoded, version));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void A_body_goes_with_its_content_length_and_an_empty_one_without(StompVersion version, string sample)
    {
        var frame = FrameSamples.For(version)[sample];

        var decoded = Decode(Encode(frame, version), version);

        Assert.Equal(frame.Body.IsEmpty ? null : frame.Body.Length, decoded.ContentLength);
    }

    [Theory]
    [InlineData(StompVersion.V11)]
    [InlineData(StompVersion.V12)]
    public void Handshake_frames_are_never_escaped(StompVersion version)
    {
        var connect = new StompFrame(StompCommand.Connect, [new("passcode", "a:b\\c")]);

        Assert.Equal("CONNECT\npasscode:a:b\\c\n\n\0", System.Text.Encoding.UTF8.GetString(Encode(connect, version)));
    }

    [Fact]
    public void Escaping_follows_the_version()
    {
        var send = new StompFrame(StompCommand.Send, [new("k:", "a\nb\\c\rd")]);

        Assert.Equal("SEND\nk\\c:a\\nb\\\\c\\rd\n\n\0", System.Text.Encoding.UTF8.GetString(Encode(send, StompVersion.V12)));
        Assert.Equal("SEND\nk\\c:a\\nb\\\\c\rd\n\n\0", System.Text.Encoding.UTF8.GetString(Encode(send, StompVersion.V11)));
    }
}
