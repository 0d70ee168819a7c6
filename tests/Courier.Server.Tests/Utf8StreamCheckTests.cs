using System.Text;
using Courier.Server.WebSockets;
using Xunit;

namespace Courier.Server.Tests;

/// <summary>A text message's UTF-8 is checked chunk by chunk, whatever the cuts, as if it had been checked whole.</summary>
public sealed class Utf8StreamCheckTests
{
    public static TheoryData<byte[]> Valid =>
    [
        Encoding.UTF8.GetBytes("plain ASCII"),
        Encoding.UTF8.GetBytes("é, €, 𝄞 and 中文"),
        [],
    ];

    public static TheoryData<byte[]> Invalid =>
    [
        [(byte)'a', 0xFF],
        [0xC3],                         // cut short at the message's end
        [0xC3, 0x28],                   // a lead byte followed by no continuation
        [0xE0, 0x80, 0xAF],             // overlong
        [0xED, 0xA0, 0x80],             // an encoded surrogate
        [0xF4, 0x90, 0x80, 0x80],       // above U+10FFFF
        [(byte)'x', 0x80, (byte)'y'],   // a lone continuation byte
    ];

    [Theory]
    [MemberData(nameof(Valid))]
    public void Well_formed_UTF8_passes_however_it_is_cut(byte[] message)
    {
        for (var first = 0; first <= message.Length; first++)
        {
            for (var second = first; second <= message.Length; second++)
            {
                Assert.True(Check(message, first, second), $"cut at {first} and {second}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Malformed_UTF8_fails_however_it_is_cut(byte[] message)
    {
        for (var first = 0; first <= message.Length; first++)
        {
            for (var second = first; second <= message.Length; second++)
            {
                Assert.False(Check(message, first, second), $"cut at {first} and {second}");
            }
        }
    }

    [Fact]
    public void A_message_that_fails_leaves_nothing_carried_into_the_next()
    {
        var check = default(Utf8StreamCheck);
        Assert.True(check.Append([0xE2, 0x82]));
        Assert.False(check.End());
        Assert.True(check.Append("ok"u8));
        Assert.True(check.End());
    }

    private static bool Check(byte[] message, int first, int second)
    {
        var check = default(Utf8StreamCheck);
        return check.Append(message.AsSpan(0, first)) && check.Append(message.AsSpan(first, second - first)) && check.Append(message.AsSpan(second)) && check.End();
    }
}
