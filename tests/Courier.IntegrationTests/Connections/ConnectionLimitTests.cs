using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using Courier.IntegrationTests.Stomp;
using Courier.Mqtt.Packets;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Connections;

/// <summary>
/// The node's connection limit (<c>--max-connections</c>, issue 13 "Limits"): every protocol counts
/// against it; past it AMQP answers connection.close 530 NOT_ALLOWED and MQTT CONNACK 0x97 Quota
/// exceeded (5.0) or 0x03 Server unavailable (3.1.1), STOMP an ERROR frame; a slot given back is taken again.
/// </summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Past_the_node_limit_AMQP_gets_530_and_MQTT_gets_quota_exceeded_until_a_connection_closes()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Broker.MaxConnections = 2);
        var first = await broker.ConnectAsync();
        await using var mqtt = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.Equal(0, (await mqtt.ConnectAsync(new MqttConnect { ProtocolVersion = MqttProtocolVersion.V500, ClientId = "limit.1", CleanStart = true })).ReasonCode);

        // The third connection, of either protocol, is refused.
        await using (var raw = await RawAmqpClient.ConnectAsync(broker.AmqpPort))
        {
            await raw.StartAsync();
            await raw.SendStartOkAsync("PLAIN", RawAmqpClient.PlainResponse("guest", "guest"));
            await raw.ExpectMethodAsync(ConnectionTune.Key, ConnectionTune.Read);
            await raw.SendMethodAsync(0, new ConnectionTuneOk { ChannelMax = 0, FrameMax = 131072, Heartbeat = 0 });
            await raw.SendMethodAsync(0, new ConnectionOpen { VirtualHost = "/" });
            var close = await raw.ExpectConnectionCloseAsync();
            Assert.Equal(AmqpConstants.NotAllowed, close.ReplyCode);
            Assert.Contains("connection limit (2)", close.ReplyText, StringComparison.Ordinal);
        }

        foreach (var (version, code) in new[] { (MqttProtocolVersion.V500, (byte)0x97), (MqttProtocolVersion.V311, (byte)0x03) })
        {
            await using var refused = await RawMqttClient.ConnectAsync(broker.MqttPort);
            Assert.Equal(code, (await refused.ConnectAsync(new MqttConnect { ProtocolVersion = version, ClientId = "limit.refused", CleanStart = true })).ReasonCode);
        }

        Assert.Contains("connection limit (2)", await StompTestClient.ConnectExpectingErrorAsync(broker.StompPort), StringComparison.Ordinal);

        // A closed connection gives its slot back: the next one gets in.
        await first.CloseAsync();
        first.Dispose();
        await Wait.UntilAsync(() => broker.Host.Broker.Resources.Connections.Open == 1, "the closed connection's slot to come back");
        await using var third = await broker.ConnectAsync();
        Assert.True(third.IsOpen);
    }
}
