using Courier.Stomp.Frames;
using Xunit;

namespace Courier.Stomp.Tests.Frames;

/// <summary>The rules of 1.2 "Protocol Negotiation" and "Heart-beating".</summary>
public class NegotiationTests
{
    [Theory]
    [InlineData(null, StompVersion.V10)]
    [InlineData("1.0", StompVersion.V10)]
    [InlineData("1.1", StompVersion.V11)]
    [InlineData("1.0,1.1,1.2", StompVersion.V12)]
    [InlineData("1.2,1.0", StompVersion.V12)]
    [InlineData("1.1,2.0", StompVersion.V11)]
    [InlineData(" 1.1 , 1.0 ", StompVersion.V11)]
    public void The_highest_version_both_sides_speak_is_chosen(string? acceptVersion, StompVersion expected)
    {
        Assert.Equal(expected, StompVersions.Negotiate(acceptVersion));
    }

    [Theory]
    [InlineData("2.0")]
    [InlineData("")]
    [InlineData("1.3,0.9")]
    public void No_common_version_gives_none(string acceptVersion)
    {
        Assert.Null(StompVersions.Negotiate(acceptVersion));
    }

    [Fact]
    public void Versions_are_written_as_the_headers_spell_them()
    {
        Assert.Equal(["1.0", "1.1", "1.2"], FrameBytes.Versions.Select(v => v.ToHeaderValue()));
        Assert.Equal("1.0,1.1,1.2", StompVersions.Supported);
    }

    [Theory]
    [InlineData(null, 0, 0)]
    [InlineData("0,0", 0, 0)]
    [InlineData("10000,5000", 10000, 5000)]
    [InlineData("100, 200", 100, 200)]
    public void A_heart_beat_header_parses_into_what_the_side_can_send_and_wants(string? value, int canSend, int wants)
    {
        Assert.Equal(new StompHeartBeat(canSend, wants), StompHeartBeat.Parse(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("-1,0")]
    [InlineData("a,b")]
    [InlineData("1,2,3")]
    [InlineData("99999999999,0")]
    public void A_malformed_heart_beat_header_is_refused(string value)
    {
        var error = Assert.Throws<StompProtocolException>(() => StompHeartBeat.Parse(value));

        Assert.Contains("is not two non-negative integers separated by a comma", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    // client cx,cy   server sx,sy   client->server   server->client
    [InlineData(0, 0, 10000, 10000, 0, 0)]
    [InlineData(4000, 0, 0, 6000, 6000, 0)]
    [InlineData(4000, 4000, 10000, 1000, 4000, 10000)]
    [InlineData(12000, 3000, 5000, 5000, 12000, 5000)]
    [InlineData(1000, 1000, 0, 0, 0, 0)]
    public void Each_direction_beats_at_the_larger_of_what_its_sender_can_and_its_receiver_wants(
        int cx, int cy, int sx, int sy, int clientToServer, int serverToClient)
    {
        var intervals = StompHeartBeat.Negotiate(new StompHeartBeat(cx, cy), new StompHeartBeat(sx, sy));

        Assert.Equal(TimeSpan.FromMilliseconds(clientToServer), intervals.ClientToServer);
        Assert.Equal(TimeSpan.FromMilliseconds(serverToClient), intervals.ServerToClient);
    }

    [Fact]
    public void A_heart_beat_writes_as_its_header_value()
    {
        Assert.Equal("5000,0", new StompHeartBeat(5000, 0).ToString());
    }
}
