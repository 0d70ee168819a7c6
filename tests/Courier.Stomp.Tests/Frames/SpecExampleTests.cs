using Courier.Stomp.Frames;
using Xunit;
using static Courier.Stomp.Tests.Frames.FrameBytes;

namespace Courier.Stomp.Tests.Frames;

/// <summary>The frames the STOMP 1.2 specification shows, as it shows them.</summary>
public class SpecExampleTests
{
    [Fact]
    public void Connect()
    {
        var frame = Decode("CONNECT\naccept-version:1.2\nhost:stomp.github.org\n\n\0", StompVersion.V10);

        Assert.Equal(StompCommand.Connect, frame.Command);
        Assert.Equal(StompVersion.V12, StompVersions.Negotiate(frame[StompHeaderNames.AcceptVersion]));
        Assert.Equal("stomp.github.org", frame[StompHeaderNames.Host]);
    }

    [Fact]
    public void Connected_after_a_heart_beat_negotiation()
    {
        var connect = Decode("CONNECT\naccept-version:1.0,1.1,2.0\nhost:stomp.github.org\nheart-beat:100,0\n\n\0", StompVersion.V10);
        var server = new StompHeartBeat(0, 2000);

        var intervals = StompHeartBeat.Negotiate(StompHeartBeat.Parse(connect[StompHeaderNames.HeartBeat]), server);

        Assert.Equal(StompVersion.V11, StompVersions.Negotiate(connect[StompHeaderNames.AcceptVersion]));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.Zero), (intervals.ClientToServer, intervals.ServerToClient));
    }

    [Fact]
    public void Send_with_a_body_ended_by_nul()
    {
        var frame = Decode("SEND\ndestination:/queue/a\ncontent-type:text/plain\n\nhello queue a\n\0", StompVersion.V12);

        Assert.Equal("/queue/a", frame.Destination);
        Assert.Equal("hello queue a\n"u8.ToArray(), frame.Body.ToArray());
    }

    [Fact]
    public void Message()
    {
        var frame = Decode("MESSAGE\nsubscription:0\nmessage-id:007\ndestination:/queue/a\ncontent-type:text/plain\n\nhello queue a\0", StompVersion.V12);

        Assert.Equal(("0", "007"), (frame[StompHeaderNames.Subscription], frame[StompHeaderNames.MessageId]));
        Assert.Equal("hello queue a"u8.ToArray(), frame.Body.ToArray());
    }

    [Fact]
    public void A_frame_followed_by_eols_then_heart_beats()
    {
        var buffer = new System.Buffers.ReadOnlySequence<byte>(Ascii("RECEIPT\nreceipt-id:message-12345\n\n\0\n\r\n\n"));

        var read = ReadAll(new StompFrameReader(), ref buffer, StompVersion.V12);

        Assert.Equal(["RECEIPT [receipt-id=message-12345] body ", HeartBeat], read);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void A_lone_cr_waits_to_see_whether_an_lf_follows()
    {
        Assert.Equal(StompReadResult.NeedMore, Try("\r", StompVersion.V12));
        Assert.Equal(StompReadResult.HeartBeat, Try("\r\n", StompVersion.V12));
        Assert.Equal(StompReadResult.HeartBeat, Try("\n\r", StompVersion.V12));
        Assert.Equal(StompReadResult.NeedMore, Try(string.Empty, StompVersion.V12));
    }
}
