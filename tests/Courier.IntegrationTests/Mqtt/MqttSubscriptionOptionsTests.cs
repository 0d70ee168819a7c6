using System.Text;
using Courier.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>MQTT 5.0 subscription options: No Local, Retain As Published, Subscription Identifiers, also kept with a persistent session.</summary>
public sealed class MqttSubscriptionOptionsTests
{
    private static async Task SubscribeAsync(MqttClients.Received client, string filter, bool noLocal = false, bool retainAsPublished = false, uint identifier = 0)
    {
        var builder = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(new MqttTopicFilterBuilder()
            .WithTopic(filter)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithNoLocal(noLocal)
            .WithRetainAsPublished(retainAsPublished)
            .Build());
        if (identifier != 0)
        {
            builder.WithSubscriptionIdentifier(identifier);
        }

        var result = await client.Client.SubscribeAsync(builder.Build());
        Assert.All(result.Items, item => Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, item.ResultCode));
    }

    [Fact]
    public async Task No_local_keeps_a_clients_own_messages_from_it()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await SubscribeAsync(client, "local/t", noLocal: true);
        await client.PublishAsync("local/t", "mine");
        await using var other = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await other.PublishAsync("local/t", "theirs");
        Assert.Equal("theirs", Encoding.UTF8.GetString((await client.NextAsync()).Payload));
    }

    [Fact]
    public async Task Retain_as_published_keeps_the_retain_flag_of_a_forwarded_message()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var keeping = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await SubscribeAsync(keeping, "rap/t", retainAsPublished: true);
        await using var clearing = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await SubscribeAsync(clearing, "rap/t");

        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await publisher.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("rap/t").WithPayload("kept").WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True((await keeping.NextAsync()).Retain);
        Assert.False((await clearing.NextAsync()).Retain);
    }

    [Fact]
    public async Task A_delivery_carries_the_identifiers_of_every_subscription_that_matches_it()
    {
        await using var broker = await TestBroker.StartAsync();
        var client = new MqttClients.Received(new MqttClientFactory().CreateMqttClient());
        await using (client)
        {
            var connected = await client.Client.ConnectAsync(MqttClients.Options(broker, MqttProtocolVersion.V500).Build());
            Assert.True(connected.SubscriptionIdentifiersAvailable);
            await SubscribeAsync(client, "ids/+", identifier: 7);
            await SubscribeAsync(client, "ids/#", identifier: 9);
            await SubscribeAsync(client, "ids/other");

            await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
            await publisher.PublishAsync("ids/x", "both");
            var message = await client.NextAsync();
            Assert.Equal([7u, 9u], message.SubscriptionIdentifiers.Order());
            await publisher.PublishAsync("ids/other", "three filters");
            Assert.Equal([7u, 9u], (await client.NextAsync()).SubscriptionIdentifiers.Order());
            Assert.False(client.TryTake(out _), "one delivery per queue");
        }
    }

    [Fact]
    public async Task A_persistent_session_gets_its_subscription_options_back()
    {
        await using var broker = await TestBroker.StartAsync();
        MqttClientOptionsBuilder Options() => MqttClients.Options(broker, MqttProtocolVersion.V500, "optioned").WithCleanSession(false).WithSessionExpiryInterval(600);
        await using (var first = new MqttClients.Received(new MqttClientFactory().CreateMqttClient()))
        {
            await first.Client.ConnectAsync(Options().Build());
            await SubscribeAsync(first, "opts/t", noLocal: true, identifier: 42);
        }

        await using var back = new MqttClients.Received(new MqttClientFactory().CreateMqttClient());
        Assert.True((await back.Client.ConnectAsync(Options().Build())).IsSessionPresent);
        await back.PublishAsync("opts/t", "mine");
        await using var other = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await other.PublishAsync("opts/t", "theirs");
        var message = await back.NextAsync();
        Assert.Equal("theirs", Encoding.UTF8.GetString(message.Payload));
        Assert.Equal([42u], message.SubscriptionIdentifiers);
    }
}
