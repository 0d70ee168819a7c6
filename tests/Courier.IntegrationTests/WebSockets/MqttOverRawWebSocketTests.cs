using System.Buffers;
using System.Text;
using Courier.Core.Buffers;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using Courier.Mqtt.Packets;

namespace Courier.IntegrationTests.WebSockets;

/// <summary>
/// The WebSocket transport seen from a bare socket: upgrade requests it refuses with an HTTP status,
/// frames that break RFC 6455, and MQTT packets that do not line up with frames.
/// </summary>
public sealed class MqttOverRawWebSocketTests
{
    private static int WsPort(TestBroker broker) => broker.Host.MqttWebSocketEndPoint.Port;

    [Fact]
    public async Task An_upgrade_on_another_path_is_answered_404_and_closed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.ConnectAsync(WsPort(broker));

        var response = await socket.RequestAsync(RawWebSocket.UpgradeRequest("/mqtt"));

        Assert.StartsWith("HTTP/1.1 404 ", response, StringComparison.Ordinal);
        Assert.True(await socket.ClosedByServerAsync(Wait.DefaultTimeout));
    }

    [Fact]
    public async Task A_request_without_upgrade_is_answered_400_and_closed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.ConnectAsync(WsPort(broker));

        var response = await socket.RequestAsync("GET /ws HTTP/1.1\r\nHost: localhost\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.True(await socket.ClosedByServerAsync(Wait.DefaultTimeout));
    }

    [Theory]
    [InlineData("")]
    [InlineData("stomp, v12.stomp")]
    public async Task An_upgrade_offering_no_mqtt_subprotocol_is_answered_400(string protocols)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.ConnectAsync(WsPort(broker));

        var response = await socket.RequestAsync(RawWebSocket.UpgradeRequest(protocols: protocols));

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_head_larger_than_the_limit_is_answered_431_without_waiting_for_its_end()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.ConnectAsync(WsPort(broker));

        // No blank line: the server must not wait for one past its limit.
        var response = await socket.RequestAsync("GET /ws HTTP/1.1\r\nX-Filler: " + new string('a', 20_000) + "\r\n");

        Assert.StartsWith("HTTP/1.1 431 ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_client_preference_among_mqtt_subprotocols_is_chosen()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.ConnectAsync(WsPort(broker));

        var response = await socket.RequestAsync(RawWebSocket.UpgradeRequest(protocols: "wamp, mqttv3.1, mqtt"));

        Assert.StartsWith("HTTP/1.1 101 ", response, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Protocol: mqttv3.1\r\n", response, StringComparison.Ordinal);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unmasked_frame_is_answered_with_close_1002()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.UpgradeAsync(WsPort(broker));

        await socket.SendFrameAsync(0x2, Encode(new MqttConnect { ProtocolVersion = MqttProtocolVersion.V311, ClientId = "unmasked", CleanStart = true }), masked: false);

        Assert.Equal(1002, await socket.ReceiveCloseAsync());
        Assert.True(await socket.ClosedByServerAsync(Wait.DefaultTimeout));
    }

    [Fact]
    public async Task A_text_frame_is_answered_with_close_1003()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.UpgradeAsync(WsPort(broker));

        await socket.SendFrameAsync(0x1, "hello"u8.ToArray());

        Assert.Equal(1003, await socket.ReceiveCloseAsync());
    }

    [Fact]
    public async Task A_frame_larger_than_the_packet_limit_is_refused_with_1009_before_its_payload_is_read()
    {
        await using var broker = await TestBroker.StartAsync(configure: null, "--mqtt-max-packet-size", "1024");
        await using var socket = await RawWebSocket.UpgradeAsync(WsPort(broker));

        // A header that announces 1 GiB, and no payload at all.
        await socket.SendFrameHeaderAsync(0x2, 1L << 30);

        Assert.Equal(1009, await socket.ReceiveCloseAsync());
    }

    [Fact]
    public async Task An_mqtt_packet_split_across_frames_and_packets_sharing_a_frame_are_read_as_a_stream()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.UpgradeAsync(WsPort(broker));
        var connect = Encode(new MqttConnect { ProtocolVersion = MqttProtocolVersion.V311, ClientId = "split", CleanStart = true, KeepAlive = 30 });

        // CONNECT in three frames, the middle one a fragment of a fragmented message, and a ping between them.
        await socket.SendBinaryAsync(connect.AsMemory(0, 3), fin: false);
        await socket.SendFrameAsync(0x9, "are you there"u8.ToArray());
        await socket.SendFrameAsync(0x0, connect.AsMemory(3, 5), fin: false);
        await socket.SendFrameAsync(0x0, connect.AsMemory(8));

        var pong = await socket.ReceiveFrameAsync();
        Assert.Equal((byte)0xA, pong!.Value.Opcode);
        Assert.Equal("are you there", Encoding.ASCII.GetString(pong.Value.Payload));
        var reader = new MqttFrameReader(socket);
        Assert.Equal(0, Assert.IsType<MqttConnAck>(await reader.NextAsync()).ReasonCode);

        // SUBSCRIBE and a PUBLISH to it in one frame: both are handled, in order.
        var subscribe = Encode(new MqttSubscribe { PacketId = 1, Subscriptions = [new MqttSubscription("ws/split", MqttQos.AtLeastOnce)] });
        var publish = Encode(new MqttPublish { Topic = "ws/split", QoS = MqttQos.AtLeastOnce, PacketId = 2, Payload = "both in one frame"u8.ToArray() });
        await socket.SendBinaryAsync((byte[])[.. subscribe, .. publish]);

        var packets = new List<MqttPacket>();
        for (var i = 0; i < 3; i++)
        {
            packets.Add((await reader.NextAsync())!);
        }

        Assert.Single(packets.OfType<MqttSubAck>());
        var delivered = Assert.Single(packets.OfType<MqttPublish>());
        Assert.Equal("both in one frame", Encoding.UTF8.GetString(delivered.Payload.Span));
    }

    [Fact]
    public async Task A_client_close_is_echoed_and_ends_the_mqtt_connection()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.UpgradeAsync(WsPort(broker));
        await socket.SendBinaryAsync(Encode(new MqttConnect { ProtocolVersion = MqttProtocolVersion.V311, ClientId = "closer", CleanStart = true }));
        Assert.IsType<MqttConnAck>(await new MqttFrameReader(socket).NextAsync());

        await socket.SendFrameAsync(0x8, new byte[] { 0x03, 0xE9 });

        Assert.Equal(1001, await socket.ReceiveCloseAsync());
        Assert.True(await socket.ClosedByServerAsync(Wait.DefaultTimeout));
        await Wait.UntilAsync(() => broker.Logs.Any(l => l.Contains("MQTT connection", StringComparison.Ordinal) && l.Contains("closed", StringComparison.Ordinal)), "the MQTT connection to close");
    }

    [Fact]
    public async Task An_mqtt_disconnect_is_followed_by_the_servers_close_1000()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var socket = await RawWebSocket.UpgradeAsync(WsPort(broker));
        await socket.SendBinaryAsync(Encode(new MqttConnect { ProtocolVersion = MqttProtocolVersion.V311, ClientId = "leaver", CleanStart = true }));
        Assert.IsType<MqttConnAck>(await new MqttFrameReader(socket).NextAsync());

        await socket.SendBinaryAsync(Encode(MqttDisconnect.Normal));

        Assert.Equal(1000, await socket.ReceiveCloseAsync());
        await socket.SendFrameAsync(0x8, new byte[] { 0x03, 0xE8 });
        Assert.True(await socket.ClosedByServerAsync(Wait.DefaultTimeout));
    }

    internal static byte[] Encode(MqttPacket packet, MqttProtocolVersion version = MqttProtocolVersion.V311)
    {
        var buffer = new GrowableBufferWriter(256);
        MqttPacketWriter.Write(buffer, packet, version);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>MQTT packets from the payloads of the server's binary frames, however they are cut.</summary>
    private sealed class MqttFrameReader(RawWebSocket socket)
    {
        private byte[] _pending = [];

        public async Task<MqttPacket?> NextAsync()
        {
            for (var i = 0; i < 100; i++)
            {
                var sequence = new ReadOnlySequence<byte>(_pending);
                if (MqttPacketReader.TryRead(ref sequence, MqttProtocolVersion.V311, MqttPacketReader.ProtocolMaximumPacketSize, out var packet))
                {
                    _pending = sequence.ToArray();
                    return packet;
                }

                var frame = await socket.ReceiveFrameAsync();
                if (frame is null)
                {
                    return null;
                }

                Assert.Equal((byte)0x2, frame.Value.Opcode);
                _pending = [.. _pending, .. frame.Value.Payload];
            }

            throw new InvalidOperationException("no whole packet in 100 frames");
        }
    }
}
