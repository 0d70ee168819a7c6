using System.Buffers;
using System.Text;
using Courier.Server.Hosting;
using Courier.Server.WebSockets;
using Xunit;

namespace Courier.Server.Tests;

/// <summary>The server side of RFC 6455's opening handshake, on request heads as they arrive.</summary>
public sealed class WebSocketHandshakeTests
{
    private static readonly WebSocketTransportOptions Mqtt = new() { Path = "/ws", SubProtocols = ["mqtt", "mqttv3.1"] };

    private static HandshakeDecision Decide(string head) =>
        WebSocketHandshake.Decide(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)), Mqtt);

    private static string Request(string target = "/ws", string extra = "Sec-WebSocket-Protocol: mqtt\r\n", string version = "13") =>
        $"GET {target} HTTP/1.1\r\nHost: broker:15675\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: {version}\r\n{extra}".TrimEnd('\r', '\n');

    [Fact]
    public void The_accept_key_is_the_one_of_the_rfc_example()
    {
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketHandshake.AcceptKeyFor("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    [Fact]
    public void A_well_formed_upgrade_with_a_query_string_and_lowercase_headers_is_accepted()
    {
        var decision = Decide(Request("/ws?client=1").Replace("Upgrade: websocket", "upgrade: WebSocket", StringComparison.Ordinal));

        Assert.True(decision.Accepted, decision.Reason);
        Assert.Equal("mqtt", decision.SubProtocol);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", decision.AcceptKey);
    }

    [Fact]
    public void Subprotocols_offered_in_several_headers_are_all_considered()
    {
        var decision = Decide(Request(extra: "Sec-WebSocket-Protocol: wamp\r\nSec-WebSocket-Protocol: mqttv3.1\r\n"));

        Assert.Equal("mqttv3.1", decision.SubProtocol);
    }

    [Theory]
    [InlineData("POST /ws HTTP/1.1\r\nHost: x", 405)]
    [InlineData("GET /ws HTTP/1.0\r\nHost: x", 400)]
    [InlineData("GET /ws\r\nHost: x", 400)]
    [InlineData("GET /other HTTP/1.1\r\nHost: x", 404)]
    [InlineData("GET /ws HTTP/1.1\r\nHost: x", 400)]
    [InlineData("GET /ws HTTP/1.1\r\nHost: x\r\n folded: header", 400)]
    public void Requests_that_are_no_upgrade_get_their_status(string head, int status)
    {
        Assert.Equal(status, Decide(head).Status);
    }

    [Fact]
    public void Another_websocket_version_gets_426()
    {
        Assert.Equal(426, Decide(Request(version: "8")).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Sec-WebSocket-Protocol: MQTT\r\n")]
    [InlineData("Sec-WebSocket-Protocol: v12.stomp\r\n")]
    public void An_upgrade_without_a_supported_subprotocol_gets_400(string extra)
    {
        var decision = Decide(Request(extra: extra));

        Assert.Equal(400, decision.Status);
        Assert.Contains("subprotocol", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_that_is_not_16_bytes_gets_400()
    {
        Assert.Equal(400, Decide(Request().Replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ=", StringComparison.Ordinal)).Status);
    }

    [Fact]
    public async Task The_ws_flags_set_the_mqtt_websocket_listener()
    {
        var options = new ServerOptions();
        Assert.Equal(15675, options.MqttWebSockets.Port);
        Assert.Equal("/ws", options.MqttWebSockets.Path);

        await using var host = CourierHost.Create(["--mqtt-ws-port", "15999", "--mqtt-ws-address", "127.0.0.1", "--mqtt-ws-path", "/mqtt"]);
        Assert.Equal(15999, host.Options.MqttWebSockets.Port);
        Assert.Equal("127.0.0.1", host.Options.MqttWebSockets.Address);
        Assert.Equal("/mqtt", host.Options.MqttWebSockets.Path);
    }
}
