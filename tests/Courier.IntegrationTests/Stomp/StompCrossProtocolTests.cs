using System.Text;
using System.Threading.Channels;
using Courier.Core.Security;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using Courier.Stomp.Frames;
using MQTTnet.Formatter;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Stomp;

/// <summary>STOMP to and from AMQP 0-9-1 (RabbitMQ.Client) and MQTT (MQTTnet), headers mapped to properties as RabbitMQ maps them.</summary>
public sealed class StompCrossProtocolTests
{
    [Fact]
    public async Task A_STOMP_SEND_reaches_an_AMQP_consumer_with_its_headers_as_properties()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();
        await channel.QueueDeclareAsync("from-stomp", durable: true, exclusive: false, autoDelete: false);
        var received = Channel.CreateUnbounded<BasicDeliverEventArgs>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, e) =>
        {
            received.Writer.TryWrite(e);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync("from-stomp", autoAck: true, consumer);

        await using var stomp = await StompTestClient.ConnectAsync(broker.StompPort);
        await stomp.SendWithReceiptAsync(new StompFrame(StompCommand.Send,
        [
            new("destination", "/queue/from-stomp"), new("content-type", "application/json"), new("persistent", "true"),
            new("priority", "5"), new("correlation-id", "c-1"), new("reply-to", "/queue/replies"), new("expiration", "60000"),
            new("amqp-message-id", "m-1"), new("x-custom", "custom value"),
        ], "{\"a\":1}"u8.ToArray()), "sent");

        using var timeout = new CancellationTokenSource(Wait.DefaultTimeout);
        var delivery = await received.Reader.ReadAsync(timeout.Token);
        var properties = delivery.BasicProperties;
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(delivery.Body.Span));
        Assert.Equal("application/json", properties.ContentType);
        Assert.Equal(DeliveryModes.Persistent, properties.DeliveryMode);
        Assert.Equal(5, properties.Priority);
        Assert.Equal("c-1", properties.CorrelationId);
        Assert.Equal("/queue/replies", properties.ReplyTo);
        Assert.Equal("60000", properties.Expiration);
        Assert.Equal("m-1", properties.MessageId);
        Assert.Equal("custom value", Encoding.UTF8.GetString((byte[])properties.Headers!["x-custom"]!));
        Assert.False(properties.Headers.ContainsKey("destination"));
    }

    [Fact]
    public async Task An_AMQP_publish_to_amq_topic_reaches_a_STOMP_topic_subscriber_with_its_properties_as_headers()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var stomp = await StompTestClient.ConnectAsync(broker.StompPort);
        await stomp.SubscribeAsync("t", "/topic/orders.#");

        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();
        var properties = new BasicProperties
        {
            ContentType = "text/plain",
            CorrelationId = "c-2",
            ReplyTo = "amq.gen-reply",
            Priority = 3,
            Persistent = true,
            Headers = new Dictionary<string, object?> { ["tenant"] = "acme", ["count"] = 7 },
        };
        await channel.BasicPublishAsync("amq.topic", "orders.new", mandatory: false, properties, "order"u8.ToArray());

        var message = await stomp.ReceiveAsync();
        Assert.Equal("order", Encoding.UTF8.GetString(message.Body.Span));
        Assert.Equal("/topic/orders.new", message["destination"]);
        Assert.Equal("text/plain", message["content-type"]);
        Assert.Equal("c-2", message["correlation-id"]);
        Assert.Equal("/reply-queue/amq.gen-reply", message["reply-to"]);
        Assert.Equal("3", message["priority"]);
        Assert.Equal("true", message["persistent"]);
        Assert.Equal("acme", message["tenant"]);
        Assert.Equal("7", message["count"]);
    }

    [Fact]
    public async Task MQTT_and_STOMP_meet_on_amq_topic_both_ways()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var stomp = await StompTestClient.ConnectAsync(broker.StompPort);
        await stomp.SubscribeAsync("m", "/topic/sensors.*.temperature");
        await using var mqtt = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await mqtt.SubscribeAsync("alerts/#");

        await mqtt.PublishAsync("sensors/kitchen/temperature", "21.5");
        var fromMqtt = await stomp.ReceiveAsync();
        Assert.Equal("21.5", Encoding.UTF8.GetString(fromMqtt.Body.Span));
        Assert.Equal("/topic/sensors.kitchen.temperature", fromMqtt["destination"]);

        await stomp.SendTextAsync("/topic/alerts.fire", "evacuate", new StompHeader("content-type", "text/plain"));
        var fromStomp = await mqtt.NextAsync();
        Assert.Equal("alerts/fire", fromStomp.Topic);
        Assert.Equal("evacuate", Encoding.UTF8.GetString(fromStomp.Payload));
        Assert.Equal("text/plain", fromStomp.ContentType);
    }

    [Fact]
    public async Task Permissions_apply_to_SEND_and_SUBSCRIBE_as_to_AMQP()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        broker.Host.Broker.AddUser("reader", "secret");
        broker.Host.Broker.SetPermission("reader", "/", new Permission("^allowed", "^$", "^allowed"));

        await using (var client = await StompTestClient.ConnectAsync(broker.StompPort, StompVersion.V12, new StompHeader("login", "reader"), new StompHeader("passcode", "secret")))
        {
            await client.SubscribeAsync("ok", "/queue/allowed");
            await client.SendAsync(StompCommand.Subscribe, new("id", "no"), new("destination", "/queue/forbidden"), new("receipt", "r"));
            var error = await client.ReceiveAsync();
            Assert.Equal(StompCommand.Error, error.Command);
            Assert.Contains("forbidden", error["message"]);
        }

        await using (var client = await StompTestClient.ConnectAsync(broker.StompPort, StompVersion.V12, new StompHeader("login", "reader"), new StompHeader("passcode", "secret")))
        {
            // Write on amq.topic is refused: the write pattern matches no exchange name.
            await client.SendTextAsync("/topic/anything", "x");
            var error = await client.ReceiveAsync();
            Assert.Equal(StompCommand.Error, error.Command);
            Assert.Contains("amq.topic", error["message"]);
        }
    }
}
