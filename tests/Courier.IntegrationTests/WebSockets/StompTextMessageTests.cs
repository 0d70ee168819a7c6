using System.Text;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.WebSockets;

/// <summary>
/// STOMP over WebSockets takes text messages, which RFC 6455 (section 8.1) requires to be UTF-8: one
/// that is not fails the connection with Close 1007 before the STOMP connection sees its bytes. A
/// character cut between fragments is whole UTF-8; binary messages are bytes and are not checked.
/// </summary>
public sealed class StompTextMessageTests
{
    private const byte Continuation = 0x0;
    private const byte Text = 0x1;
    private const byte Binary = 0x2;

    private static readonly byte[] Connect = "CONNECT\naccept-version:1.2\nhost:/\nlogin:guest\npasscode:guest\n\n\0"u8.ToArray();

    // A SEND whose body is "bad\xff": STOMP bodies are bytes, but a text message must be UTF-8.
    private static readonly byte[] SendNotUtf8 = [.. "SEND\ndestination:/queue/text.utf8\nreceipt:r\n\nbad"u8, 0xFF, 0x00];

    [Fact]
    public async Task A_text_message_that_is_not_UTF8_is_closed_with_1007()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await UpgradeAsync(broker);
        await socket.SendFrameAsync(Text, Connect);
        Assert.StartsWith("CONNECTED\n", await ReceiveTextAsync(socket), StringComparison.Ordinal);

        await socket.SendFrameAsync(Text, SendNotUtf8);

        Assert.Equal(1007, await socket.ReceiveCloseAsync());
        Assert.True(await socket.ClosedByServerAsync(Wait.DefaultTimeout));
    }

    [Fact]
    public async Task A_character_cut_between_text_fragments_is_whole_and_binary_messages_are_not_checked()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await UpgradeAsync(broker);
        await socket.SendFrameAsync(Text, Connect);
        Assert.StartsWith("CONNECTED\n", await ReceiveTextAsync(socket), StringComparison.Ordinal);

        // "é" is C3 A9: the first fragment ends after C3.
        var send = Encoding.UTF8.GetBytes("SEND\ndestination:/queue/text.utf8\nreceipt:r1\n\ncaf\u00e9\0");
        var cut = Array.IndexOf(send, (byte)0xC3) + 1;
        await socket.SendFrameAsync(Text, send.AsMemory(0, cut), fin: false);
        await socket.SendFrameAsync(Continuation, send.AsMemory(cut));
        Assert.StartsWith("RECEIPT\nreceipt-id:r1\n", await ReceiveTextAsync(socket), StringComparison.Ordinal);

        await socket.SendFrameAsync(Binary, SendNotUtf8);
        Assert.StartsWith("RECEIPT\nreceipt-id:r\n", await ReceiveTextAsync(socket), StringComparison.Ordinal);
    }

    private static Task<RawWebSocket> UpgradeAsync(TestBroker broker) =>
        RawWebSocket.UpgradeAsync(broker.Host.EndPointOf("stomp-ws").Port, "/ws", "v12.stomp");

    /// <summary>One STOMP frame's text (without its NUL) from the server's data frames, skipping heart-beat newlines.</summary>
    internal static async Task<string> ReceiveTextAsync(RawWebSocket socket)
    {
        var bytes = new List<byte>();
        while (bytes.IndexOf(0) < 0)
        {
            var frame = await socket.ReceiveFrameAsync(Wait.DefaultTimeout);
            Assert.True(frame is { Opcode: Binary or Text }, $"expected a data frame, got {frame?.Opcode.ToString() ?? "the socket closed"}");
            bytes.AddRange(frame!.Value.Payload);
        }

        return Encoding.UTF8.GetString([.. bytes.GetRange(0, bytes.IndexOf(0))]).TrimStart('\n', '\r');
    }
}
