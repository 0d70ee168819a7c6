using System.Text.Json.Nodes;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using Courier.IntegrationTests.Stomp;
using Courier.Stomp.Frames;
using MQTTnet.Formatter;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Management;

/// <summary>
/// Per-channel <c>message_stats</c> and per-connection traffic (<c>recv_oct</c>, <c>send_oct</c>,
/// <c>recv_cnt</c>, <c>send_cnt</c>) and protocol labels, as RabbitMQ's management API shows them,
/// from what real clients did.
/// </summary>
public sealed class ChannelAndConnectionStatsTests
{
    [Fact]
    public async Task Each_channel_counts_its_own_publishes_confirms_gets_deliveries_redeliveries_and_acks()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/per-channel", new { durable = false });
        await using var connection = await broker.ConnectAsync();
        await using var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        for (var i = 0; i < 5; i++)
        {
            await publisher.BasicPublishAsync(string.Empty, "per-channel", "m"u8.ToArray());
        }

        await using var taker = await connection.CreateChannelAsync();
        var first = await taker.BasicGetAsync("per-channel", autoAck: false);
        await taker.BasicNackAsync(first!.DeliveryTag, multiple: false, requeue: true);
        var again = await taker.BasicGetAsync("per-channel", autoAck: false);
        Assert.True(again!.Redelivered);
        await taker.BasicAckAsync(again.DeliveryTag, multiple: false);
        Assert.NotNull(await taker.BasicGetAsync("per-channel", autoAck: true));
        var delivered = 0;
        var consumer = new AsyncEventingBasicConsumer(taker);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await taker.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            Interlocked.Increment(ref delivered);
        };
        await taker.BasicConsumeAsync("per-channel", autoAck: false, consumer);
        await Wait.UntilAsync(() => Volatile.Read(ref delivered) == 3, "the consumer has acknowledged the other three");
        Assert.Null(await taker.BasicGetAsync("per-channel", autoAck: false));

        var connectionName = Assert.Single((await api.GetAsync("api/connections")).AsArray())!["name"]!.GetValue<string>();
        var channelsPath = $"api/connections/{Uri.EscapeDataString(connectionName)}/channels";
        var channels = await api.GetUntilAsync(channelsPath, list => Count(Of(list, taker), "ack") == 4, "the taking channel counts four acks");

        var published = Of(channels, publisher);
        Assert.Equal((5L, 5L), (Count(published, "publish"), Count(published, "confirm")));
        Assert.Equal((0L, 0L, 0L), (Count(published, "deliver_get"), Count(published, "ack"), Count(published, "redeliver")));

        var took = Of(channels, taker);
        Assert.Equal((0L, 0L), (Count(took, "publish"), Count(took, "confirm")));
        Assert.Equal((2L, 1L, 1L), (Count(took, "get"), Count(took, "get_no_ack"), Count(took, "get_empty")));
        Assert.Equal((3L, 0L, 6L), (Count(took, "deliver"), Count(took, "deliver_no_ack"), Count(took, "deliver_get")));
        Assert.Equal((1L, 4L), (Count(took, "redeliver"), Count(took, "ack")));
        Assert.NotNull(took["message_stats"]!["ack_details"]!["rate"]);

        // The same channel, by name and in the other lists.
        var takerName = took["name"]!.GetValue<string>();
        Assert.Equal(4L, Count(await api.GetAsync("api/channels/" + Uri.EscapeDataString(takerName)), "ack"));
        foreach (var list in new[] { "api/channels", "api/vhosts/%2F/channels" })
        {
            var listed = (await api.GetAsync(list)).AsArray().Single(c => c!["name"]!.GetValue<string>() == takerName)!;
            Assert.Equal((6L, 4L), (Count(listed, "deliver_get"), Count(listed, "ack")));
        }
    }

    [Fact]
    public async Task Channel_message_rates_and_connection_byte_rates_are_sampled_while_messages_flow()
    {
        await using var broker = await TestBroker.StartAsync(null, "--collect-statistics-interval", "100");
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/flowing", new { durable = false });
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

        // Rates cover the last interval only: keep publishing until a sample has seen some.
        var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
        JsonNode listed, channelJson;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "no sample saw the messages published");
            for (var i = 0; i < 20; i++)
            {
                await channel.BasicPublishAsync(string.Empty, "flowing", "m"u8.ToArray());
            }

            listed = Assert.Single((await api.GetAsync("api/connections")).AsArray())!;
            channelJson = Assert.Single((await api.GetAsync("api/channels")).AsArray())!["message_stats"]!;
        }
        while (!(Rate(channelJson, "publish") > 0 && Rate(channelJson, "confirm") > 0 && Rate(listed, "recv_oct") > 0 && Rate(listed, "send_oct") > 0));

        Assert.True(listed["recv_oct"]!.GetValue<long>() > 0 && listed["recv_cnt"]!.GetValue<long>() > 0);
        Assert.True(listed["send_oct"]!.GetValue<long>() > 0 && listed["send_cnt"]!.GetValue<long>() > 0);
    }

    [Fact]
    public async Task Mqtt_and_stomp_connections_show_rabbitmq_protocol_labels_and_their_traffic_without_channels()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await using var mqtt311 = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await using var mqtt5 = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await using var mqttOverWebSocket = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311, configure: builder => builder.WithWebSocketServer(ws => ws.WithUri(
            $"ws://127.0.0.1:{broker.Host.MqttWebSocketEndPoint.Port}/ws")));
        await using var stomp = await StompTestClient.ConnectAsync(broker.StompPort);
        Assert.True((await mqtt311.PublishAsync("stats/a", "x")).IsSuccess);
        Assert.True((await mqtt5.PublishAsync("stats/b", "x")).IsSuccess);
        Assert.True((await mqttOverWebSocket.PublishAsync("stats/c", "x")).IsSuccess);
        await stomp.SendWithReceiptAsync(new StompFrame(StompCommand.Send, [new("destination", "/topic/stats.d")], "x"u8.ToArray()), "r1");

        var connections = await api.GetUntilAsync("api/connections", list => list.AsArray().Count == 4, "four connections are listed");
        var protocols = connections.AsArray().Select(c => c!["protocol"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["MQTT 3-1-1", "MQTT 3-1-1", "MQTT 5-0", "STOMP 1-2"], protocols);
        foreach (var connection in connections.AsArray())
        {
            // Each sent its CONNECT and a publish, and was answered: CONNACK/CONNECTED, then PUBACK/RECEIPT.
            var what = connection!["protocol"]!.GetValue<string>();
            Assert.True(connection["recv_oct"]!.GetValue<long>() > 0 && connection["recv_cnt"]!.GetValue<long>() >= 1, what + " received");
            Assert.True(connection["send_oct"]!.GetValue<long>() > 0 && connection["send_cnt"]!.GetValue<long>() >= 1, what + " sent");
            Assert.NotNull(connection["recv_oct_details"]!["rate"]);
            Assert.Equal(0, connection["channels"]!.GetValue<int>());
        }

        Assert.Empty((await api.GetAsync("api/channels")).AsArray());
    }

    [Fact]
    public async Task An_amqp_connection_counts_more_bytes_and_reads_both_ways_when_its_client_opens_a_channel()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await using var connection = await broker.ConnectAsync();
        var before = Assert.Single((await api.GetAsync("api/connections")).AsArray())!;
        await using var channel = await connection.CreateChannelAsync();

        // channel.open in, channel.open-ok out.
        var after = await api.GetUntilAsync("api/connections", list => list[0]!["recv_oct"]!.GetValue<long>() > before["recv_oct"]!.GetValue<long>(), "the channel's frames are counted");
        Assert.True(after[0]!["send_oct"]!.GetValue<long>() > before["send_oct"]!.GetValue<long>());
        Assert.True(after[0]!["recv_cnt"]!.GetValue<long>() > before["recv_cnt"]!.GetValue<long>());
    }

    private static JsonNode Of(JsonNode channels, IChannel channel) =>
        channels.AsArray().Single(c => c!["number"]!.GetValue<int>() == channel.ChannelNumber)!;

    private static long Count(JsonNode item, string field) => item["message_stats"]![field]!.GetValue<long>();

    private static double Rate(JsonNode item, string field) => item[field + "_details"]!["rate"]!.GetValue<double>();
}
