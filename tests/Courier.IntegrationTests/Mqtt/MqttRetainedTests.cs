using System.Text;
using Courier.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>Retained messages: kept per topic, delivered with the retain flag on subscribe, cleared by an empty payload.</summary>
public sealed class MqttRetainedTests
{
    private static Task RetainAsync(MqttClients.Received client, string topic, string payload) =>
        client.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build());

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_new_subscription_receives_the_last_retained_message_of_each_matching_topic(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var live = await MqttClients.ConnectAsync(broker, version);
        await live.SubscribeAsync("status/#");
        await using var publisher = await MqttClients.ConnectAsync(broker, version);
        await RetainAsync(publisher, "status/dev1", "booting");
        await RetainAsync(publisher, "status/dev1", "online");

        // A subscriber that was there gets the publishes as they happen, without the retain flag.
        var first = await live.NextAsync();
        Assert.False(first.Retain);
        Assert.Equal("booting", Encoding.UTF8.GetString(first.Payload));
        Assert.Equal("online", Encoding.UTF8.GetString((await live.NextAsync()).Payload));

        await using var late = await MqttClients.ConnectAsync(broker, version);
        await late.SubscribeAsync("status/+");
        var retained = await late.NextAsync();
        Assert.True(retained.Retain);
        Assert.Equal("status/dev1", retained.Topic);
        Assert.Equal("online", Encoding.UTF8.GetString(retained.Payload));
    }

    [Fact]
    public async Task An_empty_retained_publish_clears_the_topic()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await RetainAsync(publisher, "cleared/a", "old");
        await RetainAsync(publisher, "cleared/a", string.Empty);
        await RetainAsync(publisher, "cleared/b", "kept");

        await using var late = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await late.SubscribeAsync("cleared/#");
        var only = await late.NextAsync();
        Assert.Equal("cleared/b", only.Topic);
        Assert.True(only.Retain);
    }
}
