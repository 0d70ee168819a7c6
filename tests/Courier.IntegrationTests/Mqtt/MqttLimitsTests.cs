using System.Diagnostics;
using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.Mqtt.Packets;
using MQTTnet;
using MqttProtocolVersion = MQTTnet.Formatter.MqttProtocolVersion;
using V = Courier.Mqtt.Packets.MqttProtocolVersion;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>
/// MQTT 5.0 limits each side sets (docs/mqtt.md): topic aliases both ways, the client's Maximum
/// Packet Size, the broker's maximum keep-alive, and the time a message has left on delivery.
/// </summary>
public sealed class MqttLimitsTests
{
    private static readonly byte[] Payload = "m"u8.ToArray();

    internal static async Task<(RawMqttClient Client, MqttConnAck Ack)> RawAsync(TestBroker broker, string clientId, MqttProperties? properties = null, V version = V.V500, ushort keepAlive = 0)
    {
        var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        var ack = await raw.ConnectAsync(new MqttConnect { ProtocolVersion = version, ClientId = clientId, CleanStart = true, KeepAlive = keepAlive, Properties = properties });
        return (raw, ack);
    }

    internal static async Task<T> NextAsync<T>(RawMqttClient raw)
        where T : MqttPacket => Assert.IsType<T>(await raw.ReceiveAsync());

    [Fact]
    public async Task Connack_announces_the_topic_alias_maximum_and_shared_subscriptions()
    {
        await using var broker = await TestBroker.StartAsync();
        var (raw, ack) = await RawAsync(broker, "announce");
        await using var _ = raw;

        Assert.Equal(0, ack.ReasonCode);
        Assert.Equal((ushort)16, ack.Properties!.TopicAliasMaximum);
        Assert.True(ack.Properties.SharedSubscriptionAvailable);
        Assert.Null(ack.Properties.ServerKeepAlive);
    }

    [Fact]
    public async Task A_client_sets_a_topic_alias_then_publishes_with_the_alias_alone()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await subscriber.SubscribeAsync("sensors/#");
        var (raw, _) = await RawAsync(broker, "aliaser");
        await using var publisher = raw;

        await publisher.SendAsync(new MqttPublish { Topic = "sensors/t1", QoS = MqttQos.AtLeastOnce, PacketId = 1, Payload = "a"u8.ToArray(), Properties = new MqttProperties { TopicAlias = 3 } });
        await publisher.SendAsync(new MqttPublish { Topic = string.Empty, QoS = MqttQos.AtLeastOnce, PacketId = 2, Payload = "b"u8.ToArray(), Properties = new MqttProperties { TopicAlias = 3 } });
        // Setting an alias again points it at another topic.
        await publisher.SendAsync(new MqttPublish { Topic = "sensors/t2", QoS = MqttQos.AtMostOnce, Payload = "c"u8.ToArray(), Properties = new MqttProperties { TopicAlias = 3 } });
        await publisher.SendAsync(new MqttPublish { Topic = string.Empty, QoS = MqttQos.AtMostOnce, Payload = "d"u8.ToArray(), Properties = new MqttProperties { TopicAlias = 3 } });

        var received = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var message = await subscriber.NextAsync();
            received.Add(message.Topic + "=" + message.ConvertPayloadToString());
        }

        Assert.Equal(["sensors/t1=a", "sensors/t1=b", "sensors/t2=c", "sensors/t2=d"], received);
    }

    [Theory]
    [InlineData((ushort)17, "sensors/t1")] // above the maximum of 16
    [InlineData((ushort)0, "sensors/t1")]
    [InlineData((ushort)5, "")] // never set
    public async Task A_bad_topic_alias_is_disconnect_0x94(ushort alias, string topic)
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        var (raw, _) = await RawAsync(broker, "bad-alias");
        await using var publisher = raw;

        await publisher.SendAsync(new MqttPublish { Topic = "sensors/t1", Payload = Payload, Properties = new MqttProperties { TopicAlias = 1 } });
        var bytes = Publish(topic, alias);
        await publisher.SendRawAsync(bytes);

        var disconnect = Assert.IsType<MqttDisconnect>(Assert.Single(await publisher.ReadUntilClosedAsync(Wait.DefaultTimeout)));
        Assert.Equal(0x94, disconnect.ReasonCode);
    }

    /// <summary>A QoS 0 PUBLISH with a Topic Alias property, written by hand (the codec will not write alias 0).</summary>
    private static byte[] Publish(string topic, ushort alias)
    {
        var name = Encoding.UTF8.GetBytes(topic);
        byte[] body = [(byte)(name.Length >> 8), (byte)name.Length, .. name, 3, 0x23, (byte)(alias >> 8), (byte)alias, .. Payload];
        return [0x30, (byte)body.Length, .. body];
    }

    [Fact]
    public async Task With_topic_aliases_off_the_maximum_is_not_announced_and_an_alias_is_refused()
    {
        await using var broker = await TestBroker.StartAsync(null, "--mqtt-topic-alias-maximum", "0");
        broker.ErrorsExpected = true;
        var (raw, ack) = await RawAsync(broker, "no-aliases");
        await using var publisher = raw;
        Assert.Null(ack.Properties!.TopicAliasMaximum);

        await publisher.SendAsync(new MqttPublish { Topic = "a", Payload = Payload, Properties = new MqttProperties { TopicAlias = 1 } });

        var disconnect = Assert.IsType<MqttDisconnect>(Assert.Single(await publisher.ReadUntilClosedAsync(Wait.DefaultTimeout)));
        Assert.Equal(0x94, disconnect.ReasonCode);
    }

    [Fact]
    public async Task Deliveries_use_aliases_up_to_the_clients_maximum_then_full_topics()
    {
        await using var broker = await TestBroker.StartAsync();
        var (raw, _) = await RawAsync(broker, "alias-taker", new MqttProperties { TopicAliasMaximum = 2 });
        await using var subscriber = raw;
        await subscriber.SendAsync(new MqttSubscribe { PacketId = 1, Subscriptions = [new MqttSubscription("t/#", MqttQos.AtMostOnce)] });
        await NextAsync<MqttSubAck>(subscriber);
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);

        string[] topics = ["t/1", "t/1", "t/2", "t/3", "t/3", "t/2"];
        foreach (var topic in topics)
        {
            await publisher.PublishAsync(topic, "x", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtMostOnce);
        }

        var seen = new List<string>();
        foreach (var _ in topics)
        {
            var publish = await NextAsync<MqttPublish>(subscriber);
            seen.Add($"{publish.Topic}:{publish.Properties?.TopicAlias}");
        }

        Assert.Equal(["t/1:1", ":1", "t/2:2", "t/3:", "t/3:", ":2"], seen);
    }

    [Theory]
    [InlineData((ushort)0)]
    [InlineData((ushort)8)]
    public async Task Mqttnet_gets_aliases_only_when_it_announces_a_topic_alias_maximum(ushort maximum)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500, configure: o => o.WithTopicAliasMaximum(maximum));
        await subscriber.SubscribeAsync("t/#");
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);

        for (var i = 0; i < 2; i++)
        {
            await publisher.PublishAsync("t/same", "p" + i);
        }

        var first = await subscriber.NextAsync();
        var second = await subscriber.NextAsync();
        Assert.Equal(("t/same", "p0"), (first.Topic, first.ConvertPayloadToString()));
        Assert.Equal((maximum == 0 ? "t/same" : string.Empty, "p1"), (second.Topic, second.ConvertPayloadToString()));
        Assert.Equal(maximum == 0 ? (ushort)0 : (ushort)1, second.TopicAlias);
    }

    [Fact]
    public async Task A_delivery_larger_than_the_clients_maximum_packet_size_is_settled_without_being_sent()
    {
        await using var broker = await TestBroker.StartAsync();
        // Receive Maximum 1: were the large one still out, the small one could not follow.
        var (raw, _) = await RawAsync(broker, "small-packets", new MqttProperties { MaximumPacketSize = 100, ReceiveMaximum = 1 });
        await using var subscriber = raw;
        await subscriber.SendAsync(new MqttSubscribe { PacketId = 1, Subscriptions = [new MqttSubscription("big/#", MqttQos.AtLeastOnce)] });
        await NextAsync<MqttSubAck>(subscriber);
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);

        await publisher.PublishAsync("big/1", new string('x', 200));
        await publisher.PublishAsync("big/2", "small");

        var publish = await NextAsync<MqttPublish>(subscriber);
        Assert.Equal(("big/2", "small"), (publish.Topic, Encoding.UTF8.GetString(publish.Payload.Span)));
        await subscriber.SendAsync(new MqttPubAck { PacketId = publish.PacketId });
        broker.Host.Broker.TryGetVirtualHost("/", out var vhost);
        Assert.True(vhost!.TryGetQueue("mqtt-subscription-small-packetsqos1", out var queue));
        await Wait.UntilAsync(() => queue.MessageCount == 0 && queue.UnsettledCount == 0, "nothing left in the subscription queue");
    }

    [Theory]
    [InlineData(0u, true)]
    [InlineData(12u, false)]
    public async Task A_reason_string_that_would_exceed_the_clients_maximum_packet_size_is_left_out(uint maximum, bool expectReason)
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        var (raw, _) = await RawAsync(broker, "terse", maximum == 0 ? null : new MqttProperties { MaximumPacketSize = maximum });
        await using var publisher = raw;

        await publisher.SendAsync(new MqttPublish { Topic = "a", Payload = Payload, Properties = new MqttProperties { TopicAlias = 99 } });

        var disconnect = Assert.IsType<MqttDisconnect>(Assert.Single(await publisher.ReadUntilClosedAsync(Wait.DefaultTimeout)));
        Assert.Equal(0x94, disconnect.ReasonCode);
        Assert.Equal(expectReason, disconnect.Properties?.ReasonString is not null);
    }

    [Theory]
    [InlineData((ushort)120, (ushort)60)]
    [InlineData((ushort)0, (ushort)60)]
    [InlineData((ushort)30, null)]
    public async Task A_keep_alive_past_the_maximum_is_answered_with_server_keep_alive(ushort asked, ushort? told)
    {
        await using var broker = await TestBroker.StartAsync(null, "--mqtt-max-keepalive", "60");
        var (raw, ack) = await RawAsync(broker, "keeper", keepAlive: asked);
        await using var _ = raw;

        Assert.Equal(0, ack.ReasonCode);
        Assert.Equal(told, ack.Properties?.ServerKeepAlive);
    }

    [Fact]
    public async Task A_3_1_1_keep_alive_past_the_maximum_is_refused()
    {
        await using var broker = await TestBroker.StartAsync(null, "--mqtt-max-keepalive", "60");
        var (raw, ack) = await RawAsync(broker, "keeper", version: V.V311, keepAlive: 0);
        await using var _ = raw;

        Assert.Equal(0x02, ack.ReasonCode);
    }

    [Fact]
    public async Task The_server_keep_alive_is_enforced()
    {
        await using var broker = await TestBroker.StartAsync(null, "--mqtt-max-keepalive", "1");
        var (raw, ack) = await RawAsync(broker, "sleeper", keepAlive: 0);
        await using var client = raw;
        Assert.Equal((ushort)1, ack.Properties!.ServerKeepAlive);

        // Silent: the broker closes the connection (1.5 seconds without a packet).
        Assert.Empty(await client.ReadUntilClosedAsync(Wait.DefaultTimeout));
    }

    [Fact]
    public async Task A_delivery_carries_the_expiry_interval_it_has_left_and_an_expired_one_is_not_delivered()
    {
        await using var broker = await TestBroker.StartAsync();
        var (raw, _) = await RawAsync(broker, "late-reader", new MqttProperties { ReceiveMaximum = 1 });
        await using var subscriber = raw;
        await subscriber.SendAsync(new MqttSubscribe { PacketId = 1, Subscriptions = [new MqttSubscription("exp/#", MqttQos.AtLeastOnce)] });
        await NextAsync<MqttSubAck>(subscriber);
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);

        // The first delivery is left unacknowledged, so the others wait in the broker behind it.
        await publisher.PublishAsync("exp/blocker", "0");
        var blocker = await NextAsync<MqttPublish>(subscriber);
        await Publish(publisher, "exp/long", 60);
        await Publish(publisher, "exp/short", 1);
        await publisher.PublishAsync("exp/sentinel", "0");
        var held = Stopwatch.StartNew();
        await Wait.UntilAsync(() => held.Elapsed > TimeSpan.FromSeconds(2.1), "the messages to wait in the broker for over two seconds");
        await subscriber.SendAsync(new MqttPubAck { PacketId = blocker.PacketId });

        var long1 = await NextAsync<MqttPublish>(subscriber);
        Assert.Equal("exp/long", long1.Topic);
        Assert.InRange(long1.Properties!.MessageExpiryInterval!.Value, 1u, 58u);
        await subscriber.SendAsync(new MqttPubAck { PacketId = long1.PacketId });
        var next = await NextAsync<MqttPublish>(subscriber);
        Assert.Equal("exp/sentinel", next.Topic);
    }

    private static Task Publish(MqttClients.Received client, string topic, uint expiry) =>
        client.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("e")
            .WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).WithMessageExpiryInterval(expiry).Build());
}
