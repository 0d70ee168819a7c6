using System.Buffers;
using System.Text;
using Courier.Server.WebSockets;
using Xunit;

namespace Courier.Server.Tests;

/// <summary>STOMP's WebSocket handshake: its three subprotocols, and no subprotocol at all (as RabbitMQ's Web STOMP takes it); MQTT's still needs one.</summary>
public sealed class StompWebSocketHandshakeTests
{
    private static readonly WebSocketTransportOptions Stomp = new() { Path = "/ws", SubProtocols = ["v12.stomp", "v11.stomp", "v10.stomp"], SubProtocolOptional = true, AcceptTextFrames = true };
    private static readonly WebSocketTransportOptions Mqtt = new() { Path = "/ws", SubProtocols = ["mqtt"] };

    private static string Request(string extra) =>
        $"GET /ws HTTP/1.1\r\nHost: broker:15674\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}".TrimEnd('\r', '\n');

    private static HandshakeDecision Decide(string head, WebSocketTransportOptions options) =>
        WebSocketHandshake.Decide(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)), options);

    [Fact]
    public void The_first_stomp_subprotocol_the_client_offers_is_chosen()
    {
        // stomp.js's order; the STOMP version itself is agreed in CONNECT, whatever the subprotocol.
        var decision = Decide(Request("Sec-WebSocket-Protocol: wamp, v10.stomp, v11.stomp, v12.stomp\r\n"), Stomp);

        Assert.True(decision.Accepted, decision.Reason);
        Assert.Equal("v10.stomp", decision.SubProtocol);
    }

    [Fact]
    public void An_upgrade_offering_no_subprotocol_is_accepted_for_stomp_and_answered_without_one()
    {
        var decision = Decide(Request(string.Empty), Stomp);
        Assert.True(decision.Accepted, decision.Reason);

        var response = new ArrayBufferWriter<byte>();
        WebSocketHandshake.WriteResponse(response, decision);
        Assert.DoesNotContain("Sec-WebSocket-Protocol", Encoding.ASCII.GetString(response.WrittenSpan), StringComparison.Ordinal);

        Assert.Equal(400, Decide(Request(string.Empty), Mqtt).Status);
        Assert.Equal(400, Decide(Request("Sec-WebSocket-Protocol: wamp\r\n"), Stomp).Status);
    }
}
