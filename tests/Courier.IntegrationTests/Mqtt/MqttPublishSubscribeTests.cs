using System.Text;
using Courier.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>PUBLISH and SUBSCRIBE through MQTTnet, over 3.1.1 and 5.0, and across to AMQP and back.</summary>
public sealed class MqttPublishSubscribeTests
{
    public static TheoryData<MqttProtocolVersion, MqttQualityOfServiceLevel> VersionsAndQos => new()
    {
        { MqttProtocolVersion.V311, MqttQualityOfServiceLevel.AtMostOnce },
        { MqttProtocolVersion.V311, MqttQualityOfServiceLevel.AtLeastOnce },
        { MqttProtocolVersion.V500, MqttQualityOfServiceLevel.AtMostOnce },
        { MqttProtocolVersion.V500, MqttQualityOfServiceLevel.AtLeastOnce },
        { MqttProtocolVersion.V500, MqttQualityOfServiceLevel.ExactlyOnce },
    };

    [Theory]
    [MemberData(nameof(VersionsAndQos))]
    public async Task A_message_published_reaches_a_subscriber_of_its_topic_at_the_lower_qos(MqttProtocolVersion version, MqttQualityOfServiceLevel qos)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await MqttClients.ConnectAsync(broker, version);
        await subscriber.SubscribeAsync("sensors/room1/temp", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttClients.ConnectAsync(broker, version);

        var result = await publisher.PublishAsync("sensors/room1/temp", "21.5", qos);
        Assert.True(result.IsSuccess, $"publish failed: {result.ReasonCode}");

        var message = await subscriber.NextAsync();
        Assert.Equal("sensors/room1/temp", message.Topic);
        Assert.Equal("21.5", Encoding.UTF8.GetString(message.Payload));
        Assert.Equal(qos == MqttQualityOfServiceLevel.AtMostOnce ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Qos2_messages_reach_a_qos2_subscriber_once_each_in_order(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync(null, "--mqtt-prefetch", "3");
        await using var subscriber = await MqttClients.ConnectAsync(broker, version);
        await subscriber.SubscribeAsync("exactly/once", MqttQualityOfServiceLevel.ExactlyOnce);
        await subscriber.SubscribeAsync("marker", MqttQualityOfServiceLevel.ExactlyOnce);
        await using var publisher = await MqttClients.ConnectAsync(broker, version);
        const int Count = 20;
        for (var i = 0; i < Count; i++)
        {
            var result = await publisher.PublishAsync("exactly/once", i.ToString(System.Globalization.CultureInfo.InvariantCulture), MqttQualityOfServiceLevel.ExactlyOnce);
            Assert.True(result.IsSuccess, $"publish {i} failed: {result.ReasonCode}");
        }

        await publisher.PublishAsync("marker", "end", MqttQualityOfServiceLevel.ExactlyOnce);
        for (var i = 0; i < Count; i++)
        {
            var message = await subscriber.NextAsync();
            Assert.Equal(MqttQualityOfServiceLevel.ExactlyOnce, message.QualityOfServiceLevel);
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), Encoding.UTF8.GetString(message.Payload));
        }

        // The marker comes next, not a second copy of anything.
        Assert.Equal("marker", (await subscriber.NextAsync()).Topic);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Wildcard_filters_match_by_level_and_leading_wildcards_skip_dollar_topics(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var single = await MqttClients.ConnectAsync(broker, version);
        await single.SubscribeAsync("home/+/light");
        await using var multi = await MqttClients.ConnectAsync(broker, version);
        await multi.SubscribeAsync("#");
        await using var publisher = await MqttClients.ConnectAsync(broker, version);

        await publisher.PublishAsync("home/kitchen/light", "on");
        await publisher.PublishAsync("home/kitchen/oven/light", "off");
        await publisher.PublishAsync("$SYS/uptime", "1");
        await publisher.PublishAsync("home/hall/light", "dim");

        Assert.Equal("home/kitchen/light", (await single.NextAsync()).Topic);
        Assert.Equal("home/hall/light", (await single.NextAsync()).Topic);

        // '#' takes every topic but the '$' one, in publish order.
        Assert.Equal("home/kitchen/light", (await multi.NextAsync()).Topic);
        Assert.Equal("home/kitchen/oven/light", (await multi.NextAsync()).Topic);
        Assert.Equal("home/hall/light", (await multi.NextAsync()).Topic);
    }

    [Fact]
    public async Task A_filter_naming_a_dollar_topic_receives_it()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await subscriber.SubscribeAsync("$app/#");
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);

        await publisher.PublishAsync("$app/status", "up");
        Assert.Equal("$app/status", (await subscriber.NextAsync()).Topic);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task After_unsubscribe_the_filter_receives_nothing_more(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await MqttClients.ConnectAsync(broker, version);
        await subscriber.SubscribeAsync("news/#");
        await subscriber.SubscribeAsync("marker");
        await using var publisher = await MqttClients.ConnectAsync(broker, version);
        await publisher.PublishAsync("news/today", "first");
        Assert.Equal("news/today", (await subscriber.NextAsync()).Topic);

        await subscriber.Client.UnsubscribeAsync("news/#");
        await publisher.PublishAsync("news/today", "second");
        await publisher.PublishAsync("marker", "end");

        // Same queue, so in order: had the unsubscribed message come, it would come first.
        Assert.Equal("marker", (await subscriber.NextAsync()).Topic);
    }

    [Fact]
    public async Task A_v5_publish_nobody_subscribed_to_is_acknowledged_with_no_matching_subscribers()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        var result = await publisher.PublishAsync("nobody/listens", "x");
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, result.ReasonCode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task An_mqtt_publish_reaches_an_amqp_queue_bound_to_amq_topic_with_the_mapped_key(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("from-mqtt", durable: true, exclusive: false, autoDelete: false)).QueueName;
        await channel.QueueBindAsync(queue, "amq.topic", "devices.*.status");
        await using var publisher = await MqttClients.ConnectAsync(broker, version);

        await publisher.PublishAsync("devices/d1.v2/status", "online", MqttQualityOfServiceLevel.AtLeastOnce);

        BasicGetResult? got = null;
        await Wait.UntilAsync(() => (got = channel.BasicGetAsync(queue, autoAck: true).GetAwaiter().GetResult()) is not null, "the message in the AMQP queue");
        Assert.Equal("devices.d1/v2.status", got!.RoutingKey);
        Assert.Equal("online", Encoding.UTF8.GetString(got.Body.Span));
        Assert.Equal(DeliveryModes.Persistent, got.BasicProperties.DeliveryMode);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task An_amqp_publish_to_amq_topic_reaches_mqtt_subscribers_with_the_topic_of_its_key(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await MqttClients.ConnectAsync(broker, version);
        await subscriber.SubscribeAsync("alerts/+/fire");
        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();

        await channel.BasicPublishAsync("amq.topic", "alerts.building1.fire", mandatory: false, new BasicProperties { DeliveryMode = DeliveryModes.Persistent }, Encoding.UTF8.GetBytes("evacuate"));

        var message = await subscriber.NextAsync();
        Assert.Equal("alerts/building1/fire", message.Topic);
        Assert.Equal("evacuate", Encoding.UTF8.GetString(message.Payload));
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
    }

    [Fact]
    public async Task An_amqp_routing_key_that_is_no_mqtt_topic_is_not_delivered_to_mqtt()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync("#");
        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();

        await channel.BasicPublishAsync("amq.topic", "odd.#", Encoding.UTF8.GetBytes("wildcard in the key"));
        await channel.BasicPublishAsync("amq.topic", string.Empty, Encoding.UTF8.GetBytes("empty key"));
        await channel.BasicPublishAsync("amq.topic", "fine.key", Encoding.UTF8.GetBytes("deliverable"));

        Assert.Equal("fine/key", (await subscriber.NextAsync()).Topic);
    }

    [Fact]
    public async Task Many_qos1_messages_arrive_in_order_past_the_in_flight_limit()
    {
        await using var broker = await TestBroker.StartAsync(null, "--mqtt-prefetch", "4");
        await using var subscriber = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await subscriber.SubscribeAsync("bulk");
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        const int Count = 200;
        for (var i = 0; i < Count; i++)
        {
            await publisher.PublishAsync("bulk", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        for (var i = 0; i < Count; i++)
        {
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), Encoding.UTF8.GetString((await subscriber.NextAsync()).Payload));
        }
    }
}
