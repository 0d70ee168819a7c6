using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>
/// Retained messages kept in the node's store: they survive a restart on the same data directory,
/// exactly as published (5.0 properties too), cleared topics stay cleared, and a retained message's
/// Message Expiry Interval counts down while it waits.
/// </summary>
public sealed class MqttRetainedStoreTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "courier-retained-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Retained_messages_survive_a_restart_exactly_as_published()
    {
        await using (var broker = await TestBroker.StartAsync(null, "--data-dir", _dataDir))
        {
            await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
            await RetainAsync(publisher, "home/kitchen/temp", "21.5", m => m.WithContentType("text/plain").WithUserProperty("unit", new ReadOnlyMemory<byte>("C"u8.ToArray())));
            await RetainAsync(publisher, "home/kitchen/temp", "22.0", m => m.WithContentType("text/plain").WithUserProperty("unit", new ReadOnlyMemory<byte>("C"u8.ToArray())));
            await RetainAsync(publisher, "home/hall/light", "on", qos: MqttQualityOfServiceLevel.ExactlyOnce);
            await RetainAsync(publisher, "home/hall/door", "open");
            await RetainAsync(publisher, "home/hall/door", string.Empty);
            await RetainAsync(publisher, "home/garage", "closed", qos: MqttQualityOfServiceLevel.AtMostOnce);
            // QoS 0 is acknowledged by nothing: a QoS 1 publish after it is, and the retained log is in order.
            await RetainAsync(publisher, "home/barrier", "b");
        }

        await using var restarted = await TestBroker.StartAsync(null, "--data-dir", _dataDir);
        await using var subscriber = await MqttClients.ConnectAsync(restarted, MqttProtocolVersion.V500);
        var received = await RetainedUnderAsync(restarted, subscriber, "home/#");
        Assert.Equal(["home/barrier", "home/garage", "home/hall/light", "home/kitchen/temp"], received.Keys.Order(StringComparer.Ordinal));
        var temperature = received["home/kitchen/temp"];
        Assert.Equal("22.0", Encoding.UTF8.GetString(temperature.Payload));
        Assert.True(temperature.Retain);
        Assert.Equal("text/plain", temperature.ContentType);
        Assert.Equal(("unit", "C"), temperature.UserProperties.Select(p => (p.Name, Encoding.UTF8.GetString(p.ValueBuffer.Span))).Single());
        Assert.Equal("on", Encoding.UTF8.GetString(received["home/hall/light"].Payload));
    }

    [Fact]
    public async Task A_retained_message_is_delivered_with_the_expiry_it_has_left_and_dropped_once_it_has_run_out()
    {
        var clock = new ShiftedTime();
        await using var broker = await TestBroker.StartAsync(null, services => services.AddSingleton<TimeProvider>(clock), "--data-dir", _dataDir);
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        await RetainAsync(publisher, "expiring/a", "soon gone", m => m.WithMessageExpiryInterval(100));
        await RetainAsync(publisher, "expiring/b", "forever");

        clock.Advance(TimeSpan.FromSeconds(40));
        await using (var first = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500))
        {
            var received = await RetainedUnderAsync(broker, first, "expiring/#");
            Assert.Equal(60u, received["expiring/a"].MessageExpiryInterval);
            Assert.Equal(0u, received["expiring/b"].MessageExpiryInterval);
        }

        clock.Advance(TimeSpan.FromSeconds(61));
        await using var second = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);
        Assert.Equal(["expiring/b"], (await RetainedUnderAsync(broker, second, "expiring/#")).Keys);
    }

    private static Task RetainAsync(MqttClients.Received client, string topic, string payload, Action<MqttApplicationMessageBuilder>? configure = null, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).WithRetainFlag();
        configure?.Invoke(builder);
        return client.Client.PublishAsync(builder.Build());
    }

    /// <summary>
    /// Subscribes to <paramref name="filter"/> and returns the retained messages it gets, by topic:
    /// they are queued as the subscription is made, so a marker published after it comes after them.
    /// </summary>
    internal static async Task<Dictionary<string, MqttApplicationMessage>> RetainedUnderAsync(TestBroker broker, MqttClients.Received subscriber, string filter)
    {
        var marker = "marker/" + Guid.NewGuid().ToString("N");
        await subscriber.SubscribeAsync(filter);
        await subscriber.SubscribeAsync(marker);
        await using (var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311))
        {
            await publisher.PublishAsync(marker, "end");
        }

        var received = new Dictionary<string, MqttApplicationMessage>(StringComparer.Ordinal);
        for (var i = 0; i < 10_000; i++)
        {
            var message = await subscriber.NextAsync();
            if (message.Topic == marker)
            {
                return received;
            }

            Assert.True(message.Retain, $"{message.Topic} came without the retain flag");
            Assert.True(received.TryAdd(message.Topic, message), $"{message.Topic} came twice");
        }

        throw new InvalidOperationException("no marker after 10,000 messages");
    }

    /// <summary>The system clock moved forward on demand (timers stay real).</summary>
    private sealed class ShiftedTime : TimeProvider
    {
        private long _offsetTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
    }
}
