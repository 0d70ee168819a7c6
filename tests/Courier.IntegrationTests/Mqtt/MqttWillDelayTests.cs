using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.Mqtt.Packets;
using MqttProtocolVersion = MQTTnet.Formatter.MqttProtocolVersion;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>MQTT 5.0 Will Delay Interval: the will goes when the delay or the session runs out, whichever is first, and not at all if the client returns in time.</summary>
public sealed class MqttWillDelayTests
{
    private static MqttConnect Connect(string clientId, bool cleanStart, uint sessionExpiry, uint willDelay) => new()
    {
        ProtocolVersion = Courier.Mqtt.Packets.MqttProtocolVersion.V500,
        ClientId = clientId,
        CleanStart = cleanStart,
        Properties = new MqttProperties { SessionExpiryInterval = sessionExpiry },
        Will = new MqttWill
        {
            Topic = "wills/" + clientId,
            Payload = Encoding.UTF8.GetBytes(clientId + " is gone"),
            QoS = MqttQos.AtLeastOnce,
            Properties = new MqttProperties { WillDelayInterval = willDelay },
        },
    };

    private static async Task<MqttClients.Received> WatchWillsAsync(TestBroker broker)
    {
        var watcher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await watcher.SubscribeAsync("wills/#");
        return watcher;
    }

    /// <summary>Connects and vanishes without DISCONNECT.</summary>
    private static async Task VanishAsync(TestBroker broker, MqttConnect connect)
    {
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.Equal(0, (await raw.ConnectAsync(connect)).ReasonCode);
    }

    [Fact]
    public async Task A_delayed_will_is_published_after_its_delay_and_not_if_the_client_returns_within_it()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await WatchWillsAsync(broker);

        // One client vanishes and comes back at once; a second vanishes after it and stays away.
        await VanishAsync(broker, Connect("returning", cleanStart: true, sessionExpiry: 60, willDelay: 1));
        await using var returned = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.True((await returned.ConnectAsync(Connect("returning", cleanStart: false, sessionExpiry: 60, willDelay: 600))).SessionPresent);
        await VanishAsync(broker, Connect("away", cleanStart: true, sessionExpiry: 60, willDelay: 1));

        // The second's will comes after its delay; the first's, due earlier, never does.
        var will = await watcher.NextAsync();
        Assert.Equal("wills/away", will.Topic);
        Assert.Equal("away is gone", Encoding.UTF8.GetString(will.Payload));
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await publisher.PublishAsync("wills/marker", "after");
        Assert.Equal("wills/marker", (await watcher.NextAsync()).Topic);
    }

    [Fact]
    public async Task A_delayed_will_is_published_when_the_session_expires_first()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await WatchWillsAsync(broker);
        await VanishAsync(broker, Connect("expiring", cleanStart: true, sessionExpiry: 1, willDelay: 3600));
        Assert.Equal("wills/expiring", (await watcher.NextAsync()).Topic);
    }

    [Fact]
    public async Task A_delayed_will_is_published_when_a_clean_start_ends_the_session()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await WatchWillsAsync(broker);
        await VanishAsync(broker, Connect("restarting", cleanStart: true, sessionExpiry: 3600, willDelay: 3600));
        await using var again = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.False((await again.ConnectAsync(Connect("restarting", cleanStart: true, sessionExpiry: 3600, willDelay: 3600))).SessionPresent);
        Assert.Equal("wills/restarting", (await watcher.NextAsync()).Topic);
    }
}
