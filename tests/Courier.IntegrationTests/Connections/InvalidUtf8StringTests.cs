using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Management;
using Courier.IntegrationTests.Mqtt;
using Courier.IntegrationTests.Stomp;
using Courier.Mqtt.Packets;
using Courier.Stomp.Frames;
using RabbitMQ.Client;
using ClientVersion = MQTTnet.Formatter.MqttProtocolVersion;

namespace Courier.IntegrationTests.Connections;

/// <summary>
/// Issue 13, finding 5, beyond AMQP names: MQTT strings that become names or behaviour (will topic,
/// response topic, user properties), STOMP header values (destination, receipt), management
/// credentials, and AMQP header values carried to MQTT and STOMP, where a value that is not UTF-8
/// is left out rather than rewritten to U+FFFD. MQTTnet and stomp.py will not send bad UTF-8, so
/// those packets and frames are built by hand.
/// </summary>
public sealed class InvalidUtf8StringTests
{
    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task An_MQTT_will_topic_that_is_not_UTF8_gets_no_session(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        raw.Version = version;

        // CONNECT, clean start + will flag (0x06), keep-alive 60, client id "w", will topic "a/\xff", will payload "x".
        byte[] header = [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', (byte)version, 0x06, 0x00, 0x3C];
        byte[] will = [0x00, 0x03, (byte)'a', (byte)'/', 0xFF, 0x00, 0x01, (byte)'x'];
        byte[] body = version == MqttProtocolVersion.V500
            ? [.. header, 0x00, 0x00, 0x01, (byte)'w', 0x00, .. will]
            : [.. header, 0x00, 0x01, (byte)'w', .. will];
        await raw.SendRawAsync([0x10, (byte)body.Length, .. body]);

        var packets = await raw.ReadUntilClosedAsync(Wait.DefaultTimeout);
        Assert.DoesNotContain(packets, p => p is MqttConnAck { ReasonCode: 0 });
    }

    public static TheoryData<string, byte[]> Mqtt5Properties => new()
    {
        // Response Topic (0x08) "a/\xff".
        { "response topic", [0x08, 0x00, 0x03, (byte)'a', (byte)'/', 0xFF] },
        // User Property (0x26) "k" = "v\xff", and one whose name is bad.
        { "user property value", [0x26, 0x00, 0x01, (byte)'k', 0x00, 0x02, (byte)'v', 0xFF] },
        { "user property name", [0x26, 0x00, 0x02, (byte)'k', 0xFE, 0x00, 0x01, (byte)'v'] },
    };

    [Theory]
    [MemberData(nameof(Mqtt5Properties))]
    public async Task An_MQTT5_publish_property_that_is_not_UTF8_is_a_malformed_packet_and_other_clients_carry_on(string what, byte[] property)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var bystander = await MqttClients.ConnectAsync(broker, ClientVersion.V500, "bystander");
        await bystander.SubscribeAsync("a/#");
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        raw.Version = MqttProtocolVersion.V500;
        Assert.Equal(0, (await raw.ConnectAsync(new MqttConnect { ProtocolVersion = MqttProtocolVersion.V500, ClientId = "utf8", CleanStart = true })).ReasonCode);

        // PUBLISH QoS 0 to "a/b" with the property and payload "x".
        byte[] body = [0x00, 0x03, (byte)'a', (byte)'/', (byte)'b', (byte)property.Length, .. property, (byte)'x'];
        await raw.SendRawAsync([0x30, (byte)body.Length, .. body]);

        var packets = await raw.ReadUntilClosedAsync(Wait.DefaultTimeout);
        Assert.True(MqttReasonCode.MalformedPacket == Assert.IsType<MqttDisconnect>(Assert.Single(packets)).ReasonCode, what);

        // Nothing was delivered, and the other client's connection still works.
        await bystander.PublishAsync("a/after", "after");
        Assert.Equal("a/after", (await bystander.NextAsync()).Topic);
    }

    public static TheoryData<string> StompFrames =>
    [
        "SEND\ndestination:/queue/bad\xff\n\nx\0",
        "SUBSCRIBE\nid:1\ndestination:/queue/bad\xff\n\n\0",
        "SEND\ndestination:/queue/utf8\nreceipt:r\xfe\n\nx\0",
    ];

    [Theory]
    [MemberData(nameof(StompFrames))]
    public async Task A_STOMP_header_that_is_not_UTF8_gets_an_ERROR_frame_and_only_that_connection_closes(string frame)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var bystander = await StompTestClient.ConnectAsync(broker.StompPort);
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);

        // Latin-1 keeps each char below U+0100 as one byte: \xff and \xfe go out as themselves.
        await client.SendRawAsync(Encoding.Latin1.GetBytes(frame));

        var error = await client.ReceiveAsync();
        Assert.Equal(StompCommand.Error, error.Command);
        Assert.Contains("UTF-8", error["message"] + Encoding.UTF8.GetString(error.Body.Span), StringComparison.Ordinal);
        await client.WaitClosedAsync();

        await bystander.SendWithReceiptAsync(new StompFrame(StompCommand.Send, [new("destination", "/queue/utf8.after")], "y"u8.ToArray()), "still-here");
    }

    [Fact]
    public async Task An_AMQP_header_that_is_not_UTF8_reaches_MQTT5_and_STOMP_subscribers_without_it_not_rewritten()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var mqtt = await MqttClients.ConnectAsync(broker, ClientVersion.V500);
        await mqtt.SubscribeAsync("utf8/headers");
        await using var stomp = await StompTestClient.ConnectAsync(broker.StompPort);
        await stomp.SubscribeAsync("s", "/topic/utf8.headers");
        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();

        var properties = new BasicProperties
        {
            Headers = new Dictionary<string, object?> { ["good"] = "ok", ["bad"] = (byte[])[(byte)'v', 0xFF] },
        };
        await channel.BasicPublishAsync("amq.topic", "utf8.headers", mandatory: false, properties, "m"u8.ToArray());

        var message = await mqtt.NextAsync();
        Assert.Contains(message.UserProperties, p => p.Name == "good" && Encoding.UTF8.GetString(p.ValueBuffer.Span) == "ok");
        Assert.DoesNotContain(message.UserProperties, p => p.Name == "bad");

        var frame = await stomp.ReceiveAsync();
        Assert.Equal("ok", frame["good"]);
        Assert.Null(frame["bad"]);
    }

    [Fact]
    public async Task Management_credentials_that_are_not_UTF8_are_a_failed_login_not_a_rewritten_one()
    {
        // "\xfe" would have matched the password U+FFFD once rewritten.
        await using var broker = await TestBroker.StartAsync(o => o.Broker.DefaultPassword = "\uFFFD");
        using var http = new ManagementClient(broker, user: null);

        var refused = await http.SendAsync(HttpMethod.Get, "api/overview", configure: r => r.Headers.Authorization = Basic([.. "guest:"u8, 0xFE]));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var accepted = await http.SendAsync(HttpMethod.Get, "api/overview", configure: r => r.Headers.Authorization = Basic(Encoding.UTF8.GetBytes("guest:\uFFFD")));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    private static AuthenticationHeaderValue Basic(byte[] credentials) => new("Basic", Convert.ToBase64String(credentials));
}
