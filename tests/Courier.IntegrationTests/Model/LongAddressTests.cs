using System.Text;
using Courier.Core.Messages;
using Courier.Core.VirtualHosts;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>
/// A message whose routing key is longer than AMQP 0-9-1 can carry (other protocols allow 65,535
/// bytes: an MQTT topic is a routing key) still reaches AMQP consumers, with the longest prefix of
/// the key that fits a short string, and the connection stays up.
/// </summary>
public sealed class LongAddressTests
{
    [Fact]
    public async Task A_routing_key_over_255_bytes_is_delivered_and_got_with_its_key_cut_to_fit()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("all", durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("all", "amq.topic", "#");
        await channel.QueueDeclareAsync("polled", durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("polled", "amq.topic", "#");
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync("all", autoAck: true, consumer);

        // 100 three-byte characters: 300 bytes of UTF-8; whole characters fit up to 255 bytes.
        var key = string.Concat(Enumerable.Repeat("€", 100));
        Assert.True(broker.Host.Broker.TryGetVirtualHost("/", out var vhost));
        vhost.Publish(vhost.GetExchange("amq.topic"), new Message("amq.topic", key, MessageProperties.Empty, Encoding.UTF8.GetBytes("long")), new RoutingResult());

        var delivery = Assert.Single(await consumer.WaitForAsync(1));
        Assert.Equal("long", delivery.Text);
        Assert.Equal(key[..85], delivery.RoutingKey);
        var got = await channel.BasicGetAsync("polled", autoAck: true);
        Assert.NotNull(got);
        Assert.Equal(key[..85], got.RoutingKey);
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task Properties_and_header_names_amqp_cannot_carry_are_left_out_of_the_delivery()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("props", durable: false, exclusive: false, autoDelete: false);
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync("props", autoAck: true, consumer);

        var longText = new string('x', 300);
        var properties = new MessageProperties
        {
            ContentType = longText,
            CorrelationId = new byte[300],
            MessageId = "fits",
            Headers = new Dictionary<string, object?> { [longText] = "gone", ["short"] = longText },
        };
        Assert.True(broker.Host.Broker.TryGetVirtualHost("/", out var vhost));
        vhost.Publish(vhost.GetExchange(string.Empty), new Message(string.Empty, "props", properties, Encoding.UTF8.GetBytes("p")), new RoutingResult());

        var delivery = Assert.Single(await consumer.WaitForAsync(1));
        Assert.Null(delivery.Properties.ContentType);
        Assert.Null(delivery.Properties.CorrelationId);
        Assert.Equal("fits", delivery.Properties.MessageId);
        var header = Assert.Single(delivery.Properties.Headers!);
        Assert.Equal("short", header.Key);
        Assert.Equal(longText, Encoding.UTF8.GetString((byte[])header.Value!));
        Assert.True(connection.IsOpen);
    }
}
