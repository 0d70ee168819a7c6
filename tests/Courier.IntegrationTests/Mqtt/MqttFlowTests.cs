using Courier.IntegrationTests.Infrastructure;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>Resource alarms hold MQTT publishers back the way they hold AMQP ones.</summary>
public sealed class MqttFlowTests
{
    [Fact]
    public async Task A_disk_alarm_stops_reading_from_an_mqtt_publisher_until_it_clears()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Broker.DiskFreeLimit = long.MaxValue);
        await Wait.UntilAsync(() => broker.Host.Broker.Resources.IsBlocked, "the disk alarm is on");
        await using var subscriber = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await subscriber.SubscribeAsync("alarm/test");
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);

        // The first publish goes through and makes this a publishing connection; the next waits.
        await publisher.PublishAsync("alarm/test", "first");
        await subscriber.NextAsync();
        var held = publisher.PublishAsync("alarm/test", "held", MqttQualityOfServiceLevel.AtLeastOnce);
        await Assert.ThrowsAsync<OperationCanceledException>(() => subscriber.NextAsync(TimeSpan.FromMilliseconds(500)));
        Assert.False(held.IsCompleted);

        broker.Host.Broker.Resources.SetDiskFreeLimit(0);
        await Wait.ForAsync(held, "the held publish to be acknowledged");
        Assert.Equal("alarm/test", (await subscriber.NextAsync()).Topic);
    }

    [Fact]
    public async Task A_publisher_held_by_an_alarm_is_told_the_server_is_shutting_down_when_the_node_stops()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Broker.DiskFreeLimit = long.MaxValue);
        await Wait.UntilAsync(() => broker.Host.Broker.Resources.IsBlocked, "the disk alarm is on");
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        // Acknowledged: handled, so this is a publishing connection, which the alarm now holds.
        await publisher.PublishAsync("alarm/stop", "first");
        var held = publisher.PublishAsync("alarm/stop", "held");

        // The reader is paused by the alarm: shutdown must still reach it, with DISCONNECT 0x8B.
        await Wait.ForAsync(broker.Host.StopAsync(), "the host to stop");
        var disconnected = await Wait.ForAsync(publisher.Disconnected.Task, "the publisher to be disconnected");
        Assert.Equal(MQTTnet.MqttClientDisconnectReason.ServerShuttingDown, disconnected.Reason);
        Assert.False(held.IsCompletedSuccessfully);
    }
}
