using System.Text;
using Courier.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>MQTT 5.0 message properties crossing to AMQP 0-9-1 and back (docs/protocol-mapping.md, MQTT column).</summary>
public sealed class MqttPropertyMappingTests
{
    [Fact]
    public async Task Mqtt5_properties_reach_an_amqp_consumer_as_amqp_properties_and_headers()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("requests", durable: true, exclusive: false, autoDelete: false)).QueueName;
        await channel.QueueBindAsync(queue, "amq.topic", "service.requests");
        await using var client = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);

        await client.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("service/requests")
            .WithPayload("{\"op\":1}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/json")
            .WithCorrelationData([1, 2, 3])
            .WithResponseTopic("client/42/replies")
            .WithUserProperty("tenant", new ReadOnlyMemory<byte>("acme"u8.ToArray()))
            .WithMessageExpiryInterval(60)
            .Build());

        BasicGetResult? got = null;
        await Wait.UntilAsync(() => (got = channel.BasicGetAsync(queue, autoAck: true).GetAwaiter().GetResult()) is not null, "the request in the AMQP queue");
        var properties = got!.BasicProperties;
        Assert.Equal("application/json", properties.ContentType);
        Assert.Equal("client.42.replies", properties.ReplyTo);
        Assert.Equal("60000", properties.Expiration);
        Assert.Equal([1, 2, 3], Encoding.Latin1.GetBytes(properties.CorrelationId!));
        Assert.Equal("acme", Encoding.UTF8.GetString((byte[])properties.Headers!["tenant"]!));
    }

    [Fact]
    public async Task Amqp_properties_and_headers_reach_an_mqtt5_subscriber_as_its_properties()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await client.SubscribeAsync("client/42/replies");
        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();

        var properties = new BasicProperties
        {
            ContentType = "text/plain",
            CorrelationId = "req-7",
            ReplyTo = "service.requests",
            Headers = new Dictionary<string, object?> { ["status"] = "ok", ["attempt"] = 2 },
        };
        await channel.BasicPublishAsync("amq.topic", "client.42.replies", mandatory: false, properties, Encoding.UTF8.GetBytes("done"));

        var message = await client.NextAsync();
        Assert.Equal("text/plain", message.ContentType);
        Assert.Equal("req-7", Encoding.UTF8.GetString(message.CorrelationData));
        Assert.Equal("service/requests", message.ResponseTopic);
        Assert.Contains(message.UserProperties, p => p.Name == "status" && Encoding.UTF8.GetString(p.ValueBuffer.Span) == "ok");
        Assert.Contains(message.UserProperties, p => p.Name == "attempt" && Encoding.UTF8.GetString(p.ValueBuffer.Span) == "2");
    }
}
