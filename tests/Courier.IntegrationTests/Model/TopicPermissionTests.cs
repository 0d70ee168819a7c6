using Courier.Core.Security;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>
/// Topic permissions, as RabbitMQ's set_topic_permissions: write and read patterns on the routing
/// keys of one topic exchange, with {username}, {vhost} and {client_id} expanded, checked on AMQP
/// publish and queue.bind and on MQTT PUBLISH and SUBSCRIBE; no topic permission allows everything;
/// they are saved with the definitions and can be set in the configuration.
/// </summary>
public sealed class TopicPermissionTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "courier-topics-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task An_AMQP_publish_to_a_topic_exchange_needs_write_on_its_routing_key()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Host.Broker.SetTopicPermission("guest", "/", new TopicPermission("amq.topic", "^sensors\\.", ".*"));
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("topic.perm.q");
        await channel.QueueBindAsync(queue, "amq.topic", "#");
        await channel.PublishTextAsync("amq.topic", "sensors.kitchen", "allowed");
        Assert.Equal("allowed", await channel.GetTextAsync(queue));

        // Other exchanges, even of the topic type, have no topic permission: anything goes.
        await channel.ExchangeDeclareAsync("other.topic", ExchangeType.Topic);
        await channel.PublishTextAsync("other.topic", "alarms.fire", "not checked");

        await channel.PublishTextAsync("amq.topic", "alarms.fire", "refused");
        var reason = await Refusals.ChannelClosedAsync(Constants.AccessRefused, connection, channel);
        Assert.Equal("ACCESS_REFUSED - write access to topic 'alarms.fire' in exchange 'amq.topic' in vhost '/' refused for user 'guest'", reason.ReplyText);
    }

    [Fact]
    public async Task An_AMQP_queue_bind_to_a_topic_exchange_needs_read_on_its_binding_key()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Host.Broker.SetTopicPermission("guest", "/", new TopicPermission("amq.topic", ".*", "^public\\."));
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.DeclareQueueAsync("topic.bind.q");
        await channel.QueueBindAsync("topic.bind.q", "amq.topic", "public.#");

        var reason = await Refusals.ClosesChannelAsync(Constants.AccessRefused, connection, channel, () => channel.QueueBindAsync("topic.bind.q", "amq.topic", "private.#"));
        Assert.Equal("ACCESS_REFUSED - read access to topic 'private.#' in exchange 'amq.topic' in vhost '/' refused for user 'guest'", reason.ReplyText);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task An_MQTT_subscribe_needs_read_on_the_filter(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Host.Broker.SetTopicPermission("guest", "/", new TopicPermission("amq.topic", ".*", "^(?!test\\.nosubscribe$)"));
        await using var client = await MqttClients.ConnectAsync(broker, version);
        var result = await client.Client.SubscribeAsync(new MqttClientFactory().CreateSubscribeOptionsBuilder()
            .WithTopicFilter("test/nosubscribe", MqttQualityOfServiceLevel.ExactlyOnce)
            .WithTopicFilter("test/allowed", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var codes = result.Items.Select(i => i.ResultCode).ToList();
        var refused = version == MqttProtocolVersion.V500 ? MqttClientSubscribeResultCode.NotAuthorized : MqttClientSubscribeResultCode.UnspecifiedError;
        Assert.Equal([refused, MqttClientSubscribeResultCode.GrantedQoS1], codes);
        Assert.True(client.Client.IsConnected);
    }

    [Fact]
    public async Task An_MQTT_publish_needs_write_on_its_topic_with_the_client_id_expanded()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Host.Broker.SetTopicPermission("guest", "/", new TopicPermission("amq.topic", "^devices\\.{client_id}\\.", ".*"));
        await using var device = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500, clientId: "dev(1)");
        await using var watcher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await watcher.SubscribeAsync("devices/#");

        var own = await device.PublishAsync("devices/dev(1)/temp", "21");
        var other = await device.PublishAsync("devices/dev1/temp", "22");

        Assert.Equal(MqttClientPublishReasonCode.Success, own.ReasonCode);
        // The client id is matched literally: "dev(1)" as a pattern would match "dev1".
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, other.ReasonCode);
        Assert.Equal("devices/dev(1)/temp", (await watcher.NextAsync()).Topic);
        await device.PublishAsync("devices/dev(1)/end", "end");
        Assert.Equal("devices/dev(1)/end", (await watcher.NextAsync()).Topic);
    }

    [Fact]
    public async Task Topic_permissions_are_saved_with_the_definitions_and_can_be_configured()
    {
        await using (var broker = await TestBroker.StartAsync(null, "--data-dir", _dataDir))
        {
            broker.Host.Broker.SetTopicPermission("guest", "/", new TopicPermission("amq.topic", "^saved\\.", ".*"));
        }

        await using (var restarted = await TestBroker.StartAsync(null, "--data-dir", _dataDir))
        {
            await using var client = await MqttClients.ConnectAsync(restarted, MqttProtocolVersion.V500);
            Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await client.PublishAsync("other/topic", "x")).ReasonCode);
            Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await client.PublishAsync("saved/topic", "x")).ReasonCode);
        }

        await using var configured = await TestBroker.StartAsync(
            null, "--data-dir", _dataDir, "--Broker:TopicPermissions:0:Write", "^configured\\.", "--Broker:TopicPermissions:0:Read", ".*");
        await using var again = await MqttClients.ConnectAsync(configured, MqttProtocolVersion.V500);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await again.PublishAsync("saved/topic", "x")).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await again.PublishAsync("configured/topic", "x")).ReasonCode);
    }
}
