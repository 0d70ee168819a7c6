using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.Mqtt.Packets;
using MQTTnet;
using MQTTnet.Protocol;
using RabbitMQ.Client;
using MqttProtocolVersion = MQTTnet.Formatter.MqttProtocolVersion;
using V = Courier.Mqtt.Packets.MqttProtocolVersion;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>Shared subscriptions, <c>$share/{group}/{filter}</c> (docs/mqtt.md): one queue per group and filter, its messages spread among the subscribers.</summary>
public sealed class MqttSharedSubscriptionTests
{
    private const int Count = 20;

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Two_shared_subscribers_split_the_messages_and_a_plain_subscriber_gets_them_all(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var first = await MqttClients.ConnectAsync(broker, version);
        await using var second = await MqttClients.ConnectAsync(broker, version);
        await using var plain = await MqttClients.ConnectAsync(broker, version);
        await first.SubscribeAsync("$share/workers/jobs/#");
        await second.SubscribeAsync("$share/workers/jobs/#");
        await plain.SubscribeAsync("jobs/#");
        await using var publisher = await MqttClients.ConnectAsync(broker, version);

        for (var i = 0; i < Count; i++)
        {
            await publisher.PublishAsync("jobs/" + i, "job" + i);
        }

        var all = new List<string>();
        for (var i = 0; i < Count; i++)
        {
            all.Add((await plain.NextAsync()).ConvertPayloadToString());
        }

        var firstGot = new List<string>();
        var secondGot = new List<string>();
        await Wait.UntilAsync(
            () =>
            {
                Drain(first, firstGot);
                Drain(second, secondGot);
                return firstGot.Count + secondGot.Count >= Count;
            },
            "every message at one of the shared subscribers");
        Assert.Equal(Enumerable.Range(0, Count).Select(i => "job" + i).Order(), all.Order());
        Assert.Equal(all.Order(), firstGot.Concat(secondGot).Order());
        Assert.NotEmpty(firstGot);
        Assert.NotEmpty(secondGot);
    }

    [Fact]
    public async Task An_amqp_publish_reaches_a_shared_subscriber()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await subscriber.SubscribeAsync("$share/g/orders/+");
        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();

        await channel.BasicPublishAsync("amq.topic", "orders.new", Encoding.UTF8.GetBytes("from amqp"));

        var message = await subscriber.NextAsync();
        Assert.Equal(("orders/new", "from amqp"), (message.Topic, message.ConvertPayloadToString()));
    }

    [Fact]
    public async Task What_a_leaving_subscriber_had_not_acknowledged_goes_to_the_others()
    {
        await using var broker = await TestBroker.StartAsync();
        var (raw, _) = await MqttLimitsTests.RawAsync(broker, "leaver", new MqttProperties { ReceiveMaximum = 1 });
        await raw.SendAsync(new MqttSubscribe { PacketId = 1, Subscriptions = [new MqttSubscription("$share/g/tasks", MqttQos.AtLeastOnce)] });
        await MqttLimitsTests.NextAsync<MqttSubAck>(raw);
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await publisher.PublishAsync("tasks", "t1");
        var taken = await MqttLimitsTests.NextAsync<MqttPublish>(raw);
        Assert.Equal("t1", Encoding.UTF8.GetString(taken.Payload.Span));
        await using var stayer = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await stayer.SubscribeAsync("$share/g/tasks");

        await raw.DisposeAsync();

        var message = await stayer.NextAsync();
        Assert.Equal("t1", message.ConvertPayloadToString());
    }

    [Fact]
    public async Task A_shared_subscription_gets_no_retained_messages()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await publisher.Client.PublishAsync(new MQTTnet.MqttApplicationMessageBuilder().WithTopic("state/a").WithPayload("retained").WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await using var plain = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await plain.SubscribeAsync("state/#");
        Assert.Equal("retained", (await plain.NextAsync()).ConvertPayloadToString());
        await using var subscriber = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);

        await subscriber.SubscribeAsync("$share/g/state/#");
        await publisher.PublishAsync("state/b", "live");

        Assert.Equal("live", (await subscriber.NextAsync()).ConvertPayloadToString());
    }

    [Theory]
    [InlineData(V.V500, "$share//t", 0x8F)]
    [InlineData(V.V500, "$share/g+/t", 0x8F)]
    [InlineData(V.V500, "$share/g#/t", 0x8F)]
    [InlineData(V.V500, "$share/g", 0x8F)]
    [InlineData(V.V500, "$share/g/", 0x8F)]
    [InlineData(V.V500, "$share/g/a/#/b", 0x8F)]
    [InlineData(V.V311, "$share/g", 0x80)]
    public async Task An_invalid_share_name_is_refused(V version, string filter, byte code)
    {
        await using var broker = await TestBroker.StartAsync();
        var (raw, _) = await MqttLimitsTests.RawAsync(broker, "bad-share", version: version);
        await using var client = raw;

        await client.SendAsync(new MqttSubscribe { PacketId = 1, Subscriptions = [new MqttSubscription(filter, MqttQos.AtLeastOnce), new MqttSubscription("$share/g/ok", MqttQos.AtLeastOnce)] });

        var ack = await MqttLimitsTests.NextAsync<MqttSubAck>(client);
        Assert.Equal([code, 1], ack.ReasonCodes);
    }

    [Fact]
    public async Task Unsubscribing_the_last_subscriber_deletes_the_shared_queue()
    {
        await using var broker = await TestBroker.StartAsync();
        var (raw, _) = await MqttLimitsTests.RawAsync(broker, "unsubscriber");
        await using var client = raw;
        await client.SendAsync(new MqttSubscribe { PacketId = 1, Subscriptions = [new MqttSubscription("$share/g/a/+", MqttQos.AtMostOnce)] });
        Assert.Equal([0], (await MqttLimitsTests.NextAsync<MqttSubAck>(client)).ReasonCodes);
        broker.Host.Broker.TryGetVirtualHost("/", out var vhost);
        Assert.True(vhost!.TryGetQueue("mqtt-shared-g/a/+", out _));

        await client.SendAsync(new MqttUnsubscribe { PacketId = 2, Filters = ["$share/g/a/+"] });
        Assert.Equal([0], (await MqttLimitsTests.NextAsync<MqttUnsubAck>(client)).ReasonCodes);
        await client.SendAsync(new MqttUnsubscribe { PacketId = 3, Filters = ["$share/g/a/+"] });
        Assert.Equal([0x11], (await MqttLimitsTests.NextAsync<MqttUnsubAck>(client)).ReasonCodes);

        Assert.False(vhost.TryGetQueue("mqtt-shared-g/a/+", out _));
    }

    [Fact]
    public async Task A_shared_subscription_grants_each_subscriber_its_own_qos()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var atMostOnce = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await atMostOnce.SubscribeAsync("$share/g/q", MqttQualityOfServiceLevel.AtMostOnce);
        await using var exactlyOnce = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await exactlyOnce.SubscribeAsync("$share/g/q", MqttQualityOfServiceLevel.ExactlyOnce);
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);

        for (var i = 0; i < 4; i++)
        {
            await publisher.PublishAsync("q", "m" + i, MqttQualityOfServiceLevel.ExactlyOnce);
        }

        var got = new List<MQTTnet.MqttApplicationMessage>();
        await Wait.UntilAsync(
            () =>
            {
                DrainMessages(atMostOnce, got);
                DrainMessages(exactlyOnce, got);
                return got.Count >= 4;
            },
            "the four messages");
        Assert.Contains(got, m => m.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce);
        Assert.Contains(got, m => m.QualityOfServiceLevel == MqttQualityOfServiceLevel.ExactlyOnce);
    }

    private static void Drain(MqttClients.Received client, List<string> into)
    {
        while (client.TryTake(out var message))
        {
            into.Add(message!.ConvertPayloadToString());
        }
    }

    private static void DrainMessages(MqttClients.Received client, List<MQTTnet.MqttApplicationMessage> into)
    {
        while (client.TryTake(out var message))
        {
            into.Add(message!);
        }
    }
}
