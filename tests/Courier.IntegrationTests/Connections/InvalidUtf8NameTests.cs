using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using Courier.Mqtt.Packets;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Courier.IntegrationTests.Connections;

/// <summary>
/// Issue 13, finding 5: invalid UTF-8 in a name or string the broker interprets is refused with the
/// protocol's error, never rewritten to U+FFFD (which made <c>bad\xff</c> and <c>bad\xfe</c> one
/// queue). AMQP answers connection.close 502 SYNTAX_ERROR; MQTT closes the connection (3.1.1) or
/// sends DISCONNECT 0x81 Malformed Packet (5.0). RabbitMQ.Client cannot send such bytes (it sends
/// .NET strings), so the frames are built by hand.
/// </summary>
public sealed class InvalidUtf8NameTests
{
    private static readonly byte[] Bad = [(byte)'b', (byte)'a', (byte)'d', 0xFF];

    public static TheoryData<string> Methods => ["queue.declare", "exchange.declare", "basic.publish", "basic.consume", "queue.bind"];

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task A_name_that_is_not_UTF8_closes_the_connection_with_502_and_creates_nothing(string method)
    {
        await using var broker = await TestBroker.StartAsync();
        await using (var setup = await broker.ConnectAsync())
        await using (var channel = await setup.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync("utf8.good", durable: false, exclusive: false, autoDelete: false);
        }

        await using var raw = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await raw.OpenAsync();
        await raw.OpenChannelAsync(1);
        await raw.SendAsync(RawAmqpClient.BuildFrame(AmqpFrameType.Method, 1, MethodWithBadName(method)));

        var close = await raw.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.SyntaxError, close.ReplyCode);
        Assert.Contains("UTF-8", close.ReplyText, StringComparison.Ordinal);

        // Nothing was created under the name the bytes would have been rewritten to.
        await using var connection = await broker.ConnectAsync();
        await using var check = await connection.CreateChannelAsync();
        var missing = await Assert.ThrowsAsync<OperationInterruptedException>(() => check.QueueDeclarePassiveAsync("bad\uFFFD"));
        Assert.Equal(404, missing.ShutdownReason!.ReplyCode);
        await using var check2 = await connection.CreateChannelAsync();
        missing = await Assert.ThrowsAsync<OperationInterruptedException>(() => check2.ExchangeDeclarePassiveAsync("bad\uFFFD"));
        Assert.Equal(404, missing.ShutdownReason!.ReplyCode);
    }

    [Fact]
    public async Task A_virtual_host_name_that_is_not_UTF8_is_refused_with_502()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await raw.StartAsync();
        await raw.SendStartOkAsync("PLAIN", RawAmqpClient.PlainResponse("guest", "guest"));
        var tune = await raw.ExpectMethodAsync(ConnectionTune.Key, ConnectionTune.Read);
        await raw.SendMethodAsync(0, new ConnectionTuneOk { ChannelMax = tune.ChannelMax, FrameMax = 131072, Heartbeat = 0 });
        await raw.SendAsync(RawAmqpClient.BuildFrame(AmqpFrameType.Method, 0, Method(10, 40, ShortString(Bad), ShortString([]), [0])));

        var close = await raw.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.SyntaxError, close.ReplyCode);
    }

    [Fact]
    public async Task A_PLAIN_user_name_that_is_not_UTF8_is_refused_with_502()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await raw.StartAsync();
        await raw.SendStartOkAsync("PLAIN", [0, .. Bad, 0, .. "guest"u8]);

        var close = await raw.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.SyntaxError, close.ReplyCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task An_MQTT_topic_that_is_not_UTF8_is_a_malformed_packet(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.Equal(0, (await raw.ConnectAsync(new MqttConnect { ProtocolVersion = version, ClientId = "utf8", CleanStart = true })).ReasonCode);

        // PUBLISH QoS 0 to "a/\xff" with payload "x" (5.0 has an empty property list after the topic).
        byte[] topic = [0x00, 0x03, (byte)'a', (byte)'/', 0xFF];
        byte[] body = version == MqttProtocolVersion.V500 ? [.. topic, 0x00, (byte)'x'] : [.. topic, (byte)'x'];
        await raw.SendRawAsync([0x30, (byte)body.Length, .. body]);

        var packets = await raw.ReadUntilClosedAsync(Wait.DefaultTimeout);
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal(MqttReasonCode.MalformedPacket, Assert.IsType<MqttDisconnect>(Assert.Single(packets)).ReasonCode);
        }
        else
        {
            Assert.Empty(packets);
        }
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task An_MQTT_client_id_that_is_not_UTF8_gets_no_session(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        raw.Version = version;

        // CONNECT, clean start, keep-alive 60, client id "\xc3\x28" (a truncated two-byte sequence).
        byte[] header = [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', (byte)version, 0x02, 0x00, 0x3C];
        byte[] body = version == MqttProtocolVersion.V500 ? [.. header, 0x00, 0x00, 0x02, 0xC3, 0x28] : [.. header, 0x00, 0x02, 0xC3, 0x28];
        await raw.SendRawAsync([0x10, (byte)body.Length, .. body]);

        var packets = await raw.ReadUntilClosedAsync(Wait.DefaultTimeout);
        Assert.DoesNotContain(packets, p => p is MqttConnAck { ReasonCode: 0 });
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, 0x04)]
    [InlineData(MqttProtocolVersion.V500, 0x86)]
    public async Task An_MQTT_password_that_is_not_UTF8_is_a_refused_login_not_a_rewritten_one(MqttProtocolVersion version, byte reason)
    {
        // "\xfe" would have matched a password "\xff" once both became U+FFFD.
        await using var broker = await TestBroker.StartAsync(o => o.Broker.DefaultPassword = "\uFFFD");
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        var connAck = await raw.ConnectAsync(new MqttConnect { ProtocolVersion = version, ClientId = "utf8", CleanStart = true, UserName = "guest", Password = [0xFE] });
        Assert.Equal(reason, connAck.ReasonCode);
    }

    private static byte[] MethodWithBadName(string method) => method switch
    {
        // queue.declare: reserved, queue, flags, arguments.
        "queue.declare" => Method(50, 10, [0, 0], ShortString(Bad), [0], EmptyTable),
        // exchange.declare: reserved, exchange, type, flags, arguments.
        "exchange.declare" => Method(40, 10, [0, 0], ShortString(Bad), ShortString("direct"u8), [0], EmptyTable),
        // basic.publish: reserved, exchange, routing key, flags.
        "basic.publish" => Method(60, 40, [0, 0], ShortString([]), ShortString(Bad), [0]),
        // basic.consume: reserved, queue, consumer tag, flags, arguments.
        "basic.consume" => Method(60, 20, [0, 0], ShortString("utf8.good"u8), ShortString(Bad), [0], EmptyTable),
        // queue.bind: reserved, queue, exchange, routing key, no-wait, arguments.
        "queue.bind" => Method(50, 20, [0, 0], ShortString("utf8.good"u8), ShortString("amq.direct"u8), ShortString(Bad), [0], EmptyTable),
        _ => throw new ArgumentOutOfRangeException(nameof(method)),
    };

    private static readonly byte[] EmptyTable = [0, 0, 0, 0];

    private static byte[] ShortString(ReadOnlySpan<byte> bytes) => [(byte)bytes.Length, .. bytes];

    private static byte[] Method(ushort classId, ushort methodId, params byte[][] fields)
    {
        byte[] payload = [(byte)(classId >> 8), (byte)classId, (byte)(methodId >> 8), (byte)methodId];
        foreach (var field in fields)
        {
            payload = [.. payload, .. field];
        }

        return payload;
    }
}
