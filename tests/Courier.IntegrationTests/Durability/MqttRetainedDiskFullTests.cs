using System.Text;
using Courier.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// Issue 13 for the keyed logs, on a real filesystem that fills up (a tmpfs made in the test),
/// driven by MQTTnet: a retained publish whose write hits ENOSPC is neither acknowledged nor lost
/// but waits, the retained log retries, a new retained publish meanwhile is refused (MQTT 5
/// reason code 0x80; a 3.1.1 client loses its connection), and once space returns the waiting
/// one is acknowledged and survives a restart while the refused one was never kept.
/// </summary>
public sealed class MqttRetainedDiskFullTests(ITestOutputHelper output)
{
    private static readonly MqttClientFactory Factory = new();

    [Fact]
    public async Task A_retained_publish_on_a_full_disk_waits_and_is_kept_once_space_returns_and_new_ones_are_refused_meanwhile()
    {
        // 1. A node on a 16 MiB disk, no free-space limit, with one retained message saved.
        await using var disk = await SmallDisk.MountAsync(16L * 1024 * 1024);
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--data-dir", Path.Combine(disk.Path, "data"), "--disk-free-limit", "0");
        using var publisher = await ConnectAsync(broker, MqttProtocolVersion.V500);
        Assert.True(Saved(await publisher.PublishAsync(Retained("full/kept", new string('k', 1024)))));

        // 2. The disk fills. A 64 KiB retained publish cannot be written: no PUBACK, and the
        //    retained log says it stalled.
        var filler = Path.Combine(disk.Path, "filler");
        disk.Fill(filler);
        var waiting = publisher.PublishAsync(Retained("full/waiting", new string('w', 64 * 1024)));
        await Wait.UntilAsync(() => broker.RunLinesContaining("The keyed log").Any(l => l.Contains("could not write or sync", StringComparison.Ordinal)), "the retained log stalls on the full disk", TimeSpan.FromSeconds(30));
        Assert.False(waiting.IsCompleted, "a retained publish on a full disk was answered before it was saved");

        // 3. New retained publishes meanwhile are refused: 0x80 for MQTT 5, the connection for 3.1.1.
        using (var refused = await ConnectAsync(broker, MqttProtocolVersion.V500))
        {
            var result = await Wait.ForAsync(refused.PublishAsync(Retained("full/refused", "no room")), "the refusal", TimeSpan.FromSeconds(30));
            Assert.Equal(MqttClientPublishReasonCode.UnspecifiedError, result.ReasonCode);
        }

        using (var old = await ConnectAsync(broker, MqttProtocolVersion.V311))
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            old.DisconnectedAsync += _ =>
            {
                closed.TrySetResult();
                return Task.CompletedTask;
            };
            _ = old.PublishAsync(Retained("full/refused-311", "no room")).ContinueWith(static _ => { }, TaskScheduler.Default);
            await Wait.ForAsync(closed.Task, "the 3.1.1 publisher's connection closed", TimeSpan.FromSeconds(30));
        }

        // 4. Space returns: the waiting publish is acknowledged as saved.
        File.Delete(filler);
        Assert.True(Saved(await Wait.ForAsync(waiting, "the waiting retained publish acknowledged", TimeSpan.FromSeconds(60))));

        // 5. After a restart the node holds what it acknowledged, and not what it refused.
        Assert.True(await broker.StopGracefullyAsync());
        await broker.RestartAsync();
        var retained = await RetainedAsync(broker);
        Assert.Equal(["full/kept", "full/waiting"], retained.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(64 * 1024, retained["full/waiting"].Length);
    }

    private static bool Saved(MqttClientPublishResult result) =>
        result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers;

    private static MqttApplicationMessage Retained(string topic, string payload) => new MqttApplicationMessageBuilder()
        .WithTopic(topic)
        .WithPayload(payload)
        .WithRetainFlag()
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    private static async Task<IMqttClient> ConnectAsync(BrokerProcess broker, MqttProtocolVersion version)
    {
        var client = Factory.CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.MqttPort)
            .WithClientId("full-" + Guid.NewGuid().ToString("N")[..12])
            .WithCleanSession(true)
            .WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build());
        return client;
    }

    /// <summary>The retained messages under <c>full/#</c>: those delivered on subscribing, before a marker published after it.</summary>
    private static async Task<Dictionary<string, string>> RetainedAsync(BrokerProcess broker)
    {
        using var client = await ConnectAsync(broker, MqttProtocolVersion.V500);
        var retained = new Dictionary<string, string>(StringComparer.Ordinal);
        var marker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            var topic = e.ApplicationMessage.Topic;
            if (topic == "full/marker")
            {
                marker.TrySetResult();
            }
            else if (e.ApplicationMessage.Retain)
            {
                lock (retained)
                {
                    retained[topic] = Encoding.UTF8.GetString(e.ApplicationMessage.Payload);
                }
            }

            return Task.CompletedTask;
        };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("full/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("full/marker").WithPayload("end").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Wait.ForAsync(marker.Task, "the marker after the retained messages", TimeSpan.FromSeconds(30));
        lock (retained)
        {
            return new Dictionary<string, string>(retained, StringComparer.Ordinal);
        }
    }
}
