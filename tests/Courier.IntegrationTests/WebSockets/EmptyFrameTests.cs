using Courier.IntegrationTests.Infrastructure;
using Courier.Mqtt.Packets;

namespace Courier.IntegrationTests.WebSockets;

/// <summary>
/// Zero-length data frames are legal (RFC 6455 section 5.6): a binary or text frame with no
/// payload, and empty fragments of a fragmented message. The reader must skip them and go on
/// reading, for MQTT and for STOMP, not wait for payload bytes that never come.
/// </summary>
public sealed class EmptyFrameTests
{
    private const byte Continuation = 0x0;
    private const byte Text = 0x1;
    private const byte Binary = 0x2;

    [Fact]
    public async Task Empty_binary_and_continuation_frames_around_mqtt_packets_are_skipped()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.UpgradeAsync(broker.Host.MqttWebSocketEndPoint.Port);
        var connect = MqttOverRawWebSocketTests.Encode(new MqttConnect { ProtocolVersion = MqttProtocolVersion.V311, ClientId = "empty", CleanStart = true, KeepAlive = 30 });

        // An empty message, then CONNECT as a fragmented message that begins and ends with empty fragments.
        await socket.SendFrameAsync(Binary, ReadOnlyMemory<byte>.Empty);
        await socket.SendFrameAsync(Binary, ReadOnlyMemory<byte>.Empty, fin: false);
        await socket.SendFrameAsync(Continuation, connect, fin: false);
        await socket.SendFrameAsync(Continuation, ReadOnlyMemory<byte>.Empty, fin: false);
        await socket.SendFrameAsync(Continuation, ReadOnlyMemory<byte>.Empty);
        Assert.Equal([0x20, 0x02, 0x00, 0x00], await ReceivePayloadAsync(socket, 4));

        // After an empty frame, the next packet is still answered: PINGREQ, PINGRESP.
        await socket.SendFrameAsync(Binary, ReadOnlyMemory<byte>.Empty);
        await socket.SendFrameAsync(Binary, new byte[] { 0xC0, 0x00 });
        Assert.Equal([0xD0, 0x00], await ReceivePayloadAsync(socket, 2));
    }

    [Theory]
    [InlineData(Text)]
    [InlineData(Binary)]
    public async Task Empty_frames_around_stomp_frames_are_skipped(byte opcode)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.UpgradeAsync(broker.Host.EndPointOf("stomp-ws").Port, "/ws", "v12.stomp");
        var connect = "CONNECT\naccept-version:1.2\nhost:/\nlogin:guest\npasscode:guest\n\n\0"u8.ToArray();

        await socket.SendFrameAsync(opcode, ReadOnlyMemory<byte>.Empty);
        await socket.SendFrameAsync(opcode, ReadOnlyMemory<byte>.Empty, fin: false);
        await socket.SendFrameAsync(Continuation, connect, fin: false);
        await socket.SendFrameAsync(Continuation, ReadOnlyMemory<byte>.Empty);
        Assert.StartsWith("CONNECTED\n", await StompTextMessageTests.ReceiveTextAsync(socket), StringComparison.Ordinal);

        await socket.SendFrameAsync(opcode, ReadOnlyMemory<byte>.Empty);
        await socket.SendFrameAsync(opcode, "SEND\ndestination:/queue/empty.frames\nreceipt:r1\n\nbody\0"u8.ToArray());
        Assert.StartsWith("RECEIPT\nreceipt-id:r1\n", await StompTextMessageTests.ReceiveTextAsync(socket), StringComparison.Ordinal);
    }

    /// <summary>The payloads of the server's data frames until <paramref name="count"/> bytes have come.</summary>
    private static async Task<byte[]> ReceivePayloadAsync(RawWebSocket socket, int count)
    {
        var bytes = new List<byte>();
        while (bytes.Count < count)
        {
            var frame = await socket.ReceiveFrameAsync(Wait.DefaultTimeout);
            Assert.True(frame is { Opcode: Binary }, $"expected a binary frame, got {frame?.Opcode.ToString() ?? "the socket closed"}");
            bytes.AddRange(frame!.Value.Payload);
        }

        return [.. bytes];
    }
}
