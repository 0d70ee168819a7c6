using System.Text;
using Courier.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>MQTTnet 5 over WebSockets (subprotocol <c>mqtt</c>, path <c>/ws</c>): the same MQTT as on the TCP port.</summary>
public sealed class MqttWebSocketTests
{
    public static TheoryData<MqttProtocolVersion> Versions => [MqttProtocolVersion.V311, MqttProtocolVersion.V500];

    private static Task<MqttClients.Received> ConnectOverWebSocketAsync(TestBroker broker, MqttProtocolVersion version, string? clientId = null) =>
        MqttClients.ConnectAsync(broker, version, clientId, builder => builder.WithWebSocketServer(ws => ws.WithUri(
            $"ws://127.0.0.1:{broker.Host.MqttWebSocketEndPoint.Port}/ws")));

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_websocket_client_connects_subscribes_and_gets_its_qos1_publish_back(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await ConnectOverWebSocketAsync(broker, version);
        await client.SubscribeAsync("ws/echo");

        var result = await client.PublishAsync("ws/echo", "round trip");

        Assert.True(result.IsSuccess, $"PUBACK {result.ReasonCode}");
        var message = await client.NextAsync();
        Assert.Equal("ws/echo", message.Topic);
        Assert.Equal("round trip", Encoding.UTF8.GetString(message.Payload));
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Websocket_and_tcp_clients_exchange_messages_both_ways(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var overWebSocket = await ConnectOverWebSocketAsync(broker, version);
        await using var overTcp = await MqttClients.ConnectAsync(broker, version);
        await overWebSocket.SubscribeAsync("to/ws");
        await overTcp.SubscribeAsync("to/tcp");

        await overTcp.PublishAsync("to/ws", "from tcp");
        await overWebSocket.PublishAsync("to/tcp", new string('x', 100_000));

        Assert.Equal("from tcp", Encoding.UTF8.GetString((await overWebSocket.NextAsync()).Payload));
        Assert.Equal(100_000, (await overTcp.NextAsync()).Payload.Length);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task An_amqp_publish_to_amq_topic_reaches_a_websocket_subscriber(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await ConnectOverWebSocketAsync(broker, version);
        await subscriber.SubscribeAsync("sensors/+/temperature");
        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();

        await channel.BasicPublishAsync("amq.topic", "sensors.kitchen.temperature", Encoding.UTF8.GetBytes("21.5"));

        var message = await subscriber.NextAsync();
        Assert.Equal("sensors/kitchen/temperature", message.Topic);
        Assert.Equal("21.5", Encoding.UTF8.GetString(message.Payload));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, false)]
    [InlineData(MqttProtocolVersion.V311, true)]
    [InlineData(MqttProtocolVersion.V500, false)]
    [InlineData(MqttProtocolVersion.V500, true)]
    public async Task A_client_id_connected_on_one_transport_is_taken_over_from_the_other(MqttProtocolVersion version, bool webSocketFirst)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var first = webSocketFirst ? await ConnectOverWebSocketAsync(broker, version, "roamer") : await MqttClients.ConnectAsync(broker, version, "roamer");
        await first.SubscribeAsync("roaming");

        await using var second = webSocketFirst ? await MqttClients.ConnectAsync(broker, version, "roamer") : await ConnectOverWebSocketAsync(broker, version, "roamer");

        var disconnected = await Wait.ForAsync(first.Disconnected.Task, "the first connection to be taken over");
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, disconnected.Reason);
        }

        await second.SubscribeAsync("roaming");
        await using var publisher = await MqttClients.ConnectAsync(broker, version);
        await publisher.PublishAsync("roaming", "to the new one");
        Assert.Equal("to the new one", Encoding.UTF8.GetString((await second.NextAsync()).Payload));
    }
}
