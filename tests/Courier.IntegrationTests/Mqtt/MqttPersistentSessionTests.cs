using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.Mqtt.Packets;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MqttProtocolVersion = MQTTnet.Formatter.MqttProtocolVersion;
using V = Courier.Mqtt.Packets.MqttProtocolVersion;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>
/// Persistent sessions (3.1.1 clean session 0, 5.0 Session Expiry Interval &gt; 0): subscriptions and
/// queued messages outlive the connection, Session Present, clean start, expiry, take-over, redelivery.
/// </summary>
public sealed class MqttPersistentSessionTests
{
    /// <summary>Connects with a persistent session: clean session 0 in 3.1.1, clean start 0 and an hour's expiry in 5.0.</summary>
    private static async Task<(MqttClients.Received Client, MqttClientConnectResult Result)> ConnectPersistentAsync(
        TestBroker broker, MqttProtocolVersion version, string clientId, uint expiry = 3600)
    {
        var builder = MqttClients.Options(broker, version, clientId).WithCleanSession(false);
        if (version == MqttProtocolVersion.V500)
        {
            builder.WithSessionExpiryInterval(expiry);
        }

        var client = new MqttClientFactory().CreateMqttClient();
        var received = new MqttClients.Received(client);
        var result = await client.ConnectAsync(builder.Build());
        return (received, result);
    }

    private static bool QueueExists(TestBroker broker, string name) =>
        broker.Host.Broker.TryGetVirtualHost("/", out var vhost) && vhost.TryGetQueue(name, out _);

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Messages_published_while_a_persistent_subscriber_is_away_are_delivered_when_it_returns(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        var (first, firstResult) = await ConnectPersistentAsync(broker, version, "away");
        Assert.False(firstResult.IsSessionPresent);
        await first.SubscribeAsync("away/+");
        await first.DisposeAsync();

        await using (var publisher = await MqttClients.ConnectAsync(broker, version))
        {
            for (var i = 0; i < 5; i++)
            {
                await publisher.PublishAsync("away/t", "m" + i);
            }
        }

        var (back, backResult) = await ConnectPersistentAsync(broker, version, "away");
        await using (back)
        {
            Assert.True(backResult.IsSessionPresent);
            for (var i = 0; i < 5; i++)
            {
                var message = await back.NextAsync();
                Assert.Equal("away/t", message.Topic);
                Assert.Equal("m" + i, Encoding.UTF8.GetString(message.Payload));
            }

            // The subscription itself came back too: a new publish reaches it without a new SUBSCRIBE.
            await using var publisher = await MqttClients.ConnectAsync(broker, version);
            await publisher.PublishAsync("away/u", "live");
            Assert.Equal("live", Encoding.UTF8.GetString((await back.NextAsync()).Payload));
        }
    }

    [Fact]
    public async Task Qos_0_messages_are_queued_for_an_offline_session_as_RabbitMQ_queues_them()
    {
        await using var broker = await TestBroker.StartAsync();
        var (first, _) = await ConnectPersistentAsync(broker, MqttProtocolVersion.V311, "quiet");
        await first.SubscribeAsync("quiet/t", MqttQualityOfServiceLevel.AtMostOnce);
        await first.DisposeAsync();
        await using (var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311))
        {
            await publisher.PublishAsync("quiet/t", "at most once", MqttQualityOfServiceLevel.AtMostOnce);
            await Wait.UntilAsync(
                () => broker.Host.Broker.TryGetVirtualHost("/", out var vhost) && vhost.TryGetQueue("mqtt-subscription-quietqos0", out var queue) && queue.MessageCount == 1,
                "the QoS 0 message to be queued");
        }

        var (back, _) = await ConnectPersistentAsync(broker, MqttProtocolVersion.V311, "quiet");
        await using (back)
        {
            var message = await back.NextAsync();
            Assert.Equal("at most once", Encoding.UTF8.GetString(message.Payload));
            Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, message.QualityOfServiceLevel);
        }
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Clean_start_discards_the_session_and_its_queued_messages(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        var (first, _) = await ConnectPersistentAsync(broker, version, "fresh");
        await first.SubscribeAsync("fresh/t");
        await first.DisposeAsync();
        await using (var publisher = await MqttClients.ConnectAsync(broker, version))
        {
            await publisher.PublishAsync("fresh/t", "old");
        }

        await using (var clean = await MqttClients.ConnectAsync(broker, version, "fresh"))
        {
            Assert.False(QueueExists(broker, "mqtt-subscription-freshqos1"));
            await clean.Client.PingAsync();
            Assert.False(clean.TryTake(out _));
        }

        var (again, result) = await ConnectPersistentAsync(broker, version, "fresh");
        await using (again)
        {
            Assert.False(result.IsSessionPresent);
        }
    }

    [Fact]
    public async Task A_session_is_deleted_when_its_expiry_interval_runs_out()
    {
        await using var broker = await TestBroker.StartAsync();
        var (first, _) = await ConnectPersistentAsync(broker, MqttProtocolVersion.V500, "brief", expiry: 1);
        await first.SubscribeAsync("brief/t");
        Assert.True(QueueExists(broker, "mqtt-subscription-briefqos1"));
        await first.DisposeAsync();

        await Wait.UntilAsync(() => !QueueExists(broker, "mqtt-subscription-briefqos1"), "the expired session's queue to be deleted");
        var (again, result) = await ConnectPersistentAsync(broker, MqttProtocolVersion.V500, "brief");
        await using (again)
        {
            Assert.False(result.IsSessionPresent);
        }
    }

    [Fact]
    public async Task The_broker_lowers_a_session_expiry_past_its_maximum_and_says_so()
    {
        await using var broker = await TestBroker.StartAsync(null, "--mqtt-max-session-expiry", "60");
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        var ack = await raw.ConnectAsync(new MqttConnect
        {
            ProtocolVersion = V.V500, ClientId = "long", CleanStart = true, Properties = new MqttProperties { SessionExpiryInterval = 3600 },
        });
        Assert.Equal(0, ack.ReasonCode);
        Assert.Equal(60u, ack.Properties?.SessionExpiryInterval);
    }

    [Fact]
    public async Task Setting_a_session_expiry_at_disconnect_after_connecting_with_0_is_a_protocol_error()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.Equal(0, (await raw.ConnectAsync(new MqttConnect { ProtocolVersion = V.V500, ClientId = "zero", CleanStart = true })).ReasonCode);
        await raw.SendAsync(new MqttDisconnect { Properties = new MqttProperties { SessionExpiryInterval = 60 } });
        var disconnect = Assert.IsType<MqttDisconnect>(Assert.Single(await raw.ReadUntilClosedAsync(Wait.DefaultTimeout)));
        Assert.Equal(MqttReasonCode.ProtocolError, disconnect.ReasonCode);
    }

    [Fact]
    public async Task A_session_expiry_of_0_at_disconnect_ends_a_persistent_session()
    {
        await using var broker = await TestBroker.StartAsync();
        await using (var raw = await RawMqttClient.ConnectAsync(broker.MqttPort))
        {
            await raw.ConnectAsync(new MqttConnect { ProtocolVersion = V.V500, ClientId = "ending", CleanStart = true, Properties = new MqttProperties { SessionExpiryInterval = 600 } });
            await SubscribeAsync(raw, "ending/t", MqttQos.AtLeastOnce);
            await raw.SendAsync(new MqttDisconnect { Properties = new MqttProperties { SessionExpiryInterval = 0 } });
            await raw.ReadUntilClosedAsync(Wait.DefaultTimeout);
        }

        await Wait.UntilAsync(() => !QueueExists(broker, "mqtt-subscription-endingqos1"), "the ended session's queue to be deleted");
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_take_over_keeps_the_session(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        var (first, _) = await ConnectPersistentAsync(broker, version, "kept");
        await using (first)
        {
            await first.SubscribeAsync("kept/t");
            var (second, result) = await ConnectPersistentAsync(broker, version, "kept");
            await using (second)
            {
                Assert.True(result.IsSessionPresent);
                await Wait.ForAsync(first.Disconnected.Task, "the first connection to be taken over");
                await using var publisher = await MqttClients.ConnectAsync(broker, version);
                await publisher.PublishAsync("kept/t", "to the second");
                Assert.Equal("to the second", Encoding.UTF8.GetString((await second.NextAsync()).Payload));
            }
        }
    }

    [Theory]
    [InlineData(V.V311)]
    [InlineData(V.V500)]
    public async Task An_unacknowledged_qos_1_delivery_is_sent_again_with_dup_and_its_packet_id_on_reconnect(V version)
    {
        await using var broker = await TestBroker.StartAsync();
        var connect = PersistentConnect(version, "redo");
        MqttPublish first;
        await using (var raw = await RawMqttClient.ConnectAsync(broker.MqttPort))
        {
            Assert.False((await raw.ConnectAsync(connect)).SessionPresent);
            await SubscribeAsync(raw, "redo/t", MqttQos.AtLeastOnce);
            await PublishAsync(broker, "redo/t", "acknowledged", MqttQualityOfServiceLevel.AtLeastOnce);
            await raw.SendAsync(new MqttPubAck { PacketId = Assert.IsType<MqttPublish>(await raw.ReceiveAsync()).PacketId });
            await PublishAsync(broker, "redo/t", "once", MqttQualityOfServiceLevel.AtLeastOnce);
            first = Assert.IsType<MqttPublish>(await raw.ReceiveAsync());
            Assert.NotEqual(1, first.PacketId);
            Assert.False(first.Dup);

            // Gone without PUBACK.
        }

        await using var back = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.True((await back.ConnectAsync(connect)).SessionPresent);
        var again = Assert.IsType<MqttPublish>(await back.ReceiveAsync());
        Assert.True(again.Dup);
        Assert.Equal(first.PacketId, again.PacketId);
        Assert.Equal("once", Encoding.UTF8.GetString(again.Payload.Span));
        await back.SendAsync(new MqttPubAck { PacketId = again.PacketId });
        await back.SendAsync(MqttDisconnect.Normal);
        await back.ReadUntilClosedAsync(Wait.DefaultTimeout);

        // Acknowledged now: the next return finds nothing.
        await using var last = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.True((await last.ConnectAsync(connect)).SessionPresent);
        await AssertNothingMoreAsync(last);
    }

    [Theory]
    [InlineData(V.V311)]
    [InlineData(V.V500)]
    public async Task A_qos_2_delivery_is_never_duplicated_across_reconnects(V version)
    {
        await using var broker = await TestBroker.StartAsync();
        var connect = PersistentConnect(version, "exactly");
        MqttPublish first;
        await using (var raw = await RawMqttClient.ConnectAsync(broker.MqttPort))
        {
            await raw.ConnectAsync(connect);
            await SubscribeAsync(raw, "exactly/t", MqttQos.ExactlyOnce);
            await PublishAsync(broker, "exactly/t", "before", MqttQualityOfServiceLevel.ExactlyOnce);
            var before = Assert.IsType<MqttPublish>(await raw.ReceiveAsync());
            await raw.SendAsync(new MqttPubRec { PacketId = before.PacketId });
            Assert.IsType<MqttPubRel>(await raw.ReceiveAsync());
            await raw.SendAsync(new MqttPubComp { PacketId = before.PacketId });
            await PublishAsync(broker, "exactly/t", "one", MqttQualityOfServiceLevel.ExactlyOnce);
            first = Assert.IsType<MqttPublish>(await raw.ReceiveAsync());
            Assert.NotEqual(1, first.PacketId);
            Assert.Equal(MqttQos.ExactlyOnce, first.QoS);
        }

        // Sent again with its packet id, so the client knows it for the one it has.
        await using (var raw = await RawMqttClient.ConnectAsync(broker.MqttPort))
        {
            Assert.True((await raw.ConnectAsync(connect)).SessionPresent);
            var again = Assert.IsType<MqttPublish>(await raw.ReceiveAsync());
            Assert.True(again.Dup);
            Assert.Equal(first.PacketId, again.PacketId);
            await raw.SendAsync(new MqttPubRec { PacketId = again.PacketId });
            Assert.Equal(again.PacketId, Assert.IsType<MqttPubRel>(await raw.ReceiveAsync()).PacketId);

            // Gone before PUBCOMP.
        }

        // PUBREL again, and the message never again.
        await using var back = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.True((await back.ConnectAsync(connect)).SessionPresent);
        Assert.Equal(first.PacketId, Assert.IsType<MqttPubRel>(await back.ReceiveAsync()).PacketId);
        await back.SendAsync(new MqttPubComp { PacketId = first.PacketId });
        await AssertNothingMoreAsync(back);
    }

    [Theory]
    [InlineData(V.V311)]
    [InlineData(V.V500)]
    public async Task A_resent_qos_2_publish_after_reconnect_is_not_routed_twice(V version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await subscriber.SubscribeAsync("twice/t", MqttQualityOfServiceLevel.ExactlyOnce);
        var connect = PersistentConnect(version, "twice");
        var publish = new MqttPublish { Topic = "twice/t", QoS = MqttQos.ExactlyOnce, PacketId = 7, Payload = "only once"u8.ToArray() };
        await using (var raw = await RawMqttClient.ConnectAsync(broker.MqttPort))
        {
            await raw.ConnectAsync(connect);
            await raw.SendAsync(publish);
            Assert.IsType<MqttPubRec>(await raw.ReceiveAsync());

            // Gone before PUBREL.
        }

        await using var back = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.True((await back.ConnectAsync(connect)).SessionPresent);
        await back.SendAsync(publish with { Dup = true });
        Assert.IsType<MqttPubRec>(await back.ReceiveAsync());
        await back.SendAsync(new MqttPubRel { PacketId = 7 });
        Assert.IsType<MqttPubComp>(await back.ReceiveAsync());

        Assert.Equal("only once", Encoding.UTF8.GetString((await subscriber.NextAsync()).Payload));
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await publisher.PublishAsync("twice/t", "marker", MqttQualityOfServiceLevel.ExactlyOnce);
        Assert.Equal("marker", Encoding.UTF8.GetString((await subscriber.NextAsync()).Payload));
    }

    private static async Task SubscribeAsync(RawMqttClient raw, string filter, MqttQos qos)
    {
        await raw.SendAsync(new MqttSubscribe { PacketId = 1, Subscriptions = [new MqttSubscription(filter, qos)] });
        Assert.IsType<MqttSubAck>(await raw.ReceiveAsync());
    }

    /// <summary>PINGREQ is answered by PINGRESP, and nothing came before it.</summary>
    private static async Task AssertNothingMoreAsync(RawMqttClient raw)
    {
        await raw.SendAsync(MqttPingReq.Instance);
        Assert.IsType<MqttPingResp>(await raw.ReceiveAsync());
    }

    private static MqttConnect PersistentConnect(V version, string clientId) => new()
    {
        ProtocolVersion = version,
        ClientId = clientId,
        CleanStart = false,
        Properties = version == V.V500 ? new MqttProperties { SessionExpiryInterval = 600 } : null,
    };

    private static async Task PublishAsync(TestBroker broker, string topic, string payload, MqttQualityOfServiceLevel qos)
    {
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await publisher.PublishAsync(topic, payload, qos);
    }
}
