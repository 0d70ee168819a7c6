using System.Globalization;
using System.Text.RegularExpressions;
using Courier.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Connections;

/// <summary>
/// Issue 13, finding 7's last piece: a broker process with publishers blocked by a resource alarm
/// (a disk-free limit no disk meets, so the alarm is on from the start) stops on SIGTERM within
/// the documented 5 s (docs/operations.md, "Stopping"), tells an AMQP publisher 320
/// CONNECTION_FORCED and an MQTT 5 one DISCONNECT 0x8B, and exits with code 0.
/// </summary>
/// <remarks>
/// The stop time is the broker's own, from its log ("Courier stopped in N ms", measured from the
/// stop being asked to the stores closed), not the test's wall clock: on a loaded machine the
/// process's exit and the test's observation of it can lag by seconds that are not the broker's.
/// The test waits on conditions (connection.blocked seen, the process exited) with generous
/// timeouts, never on a fixed sleep.
/// </remarks>
public sealed partial class SigtermWithBlockedPublishersTests(ITestOutputHelper output)
{
    private const long DocumentedStopMs = 5_000;

    [Fact]
    public async Task A_broker_process_with_publishers_blocked_by_an_alarm_stops_on_SIGTERM_within_5_s_with_320_and_exit_code_0()
    {
        // 1. A broker process whose disk alarm is on from the start.
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--disk-free-limit", long.MaxValue.ToString(CultureInfo.InvariantCulture));

        // 2. An AMQP publisher: its first publish makes it a publisher, and it is told connection.blocked.
        var factory = broker.Factory();
        factory.AutomaticRecoveryEnabled = false;
        await using var amqp = await factory.CreateConnectionAsync();
        var blocked = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var amqpShutdown = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        amqp.ConnectionBlockedAsync += (_, e) =>
        {
            blocked.TrySetResult(e.Reason);
            return Task.CompletedTask;
        };
        amqp.ConnectionShutdownAsync += (_, e) =>
        {
            amqpShutdown.TrySetResult(e);
            return Task.CompletedTask;
        };
        await using var channel = await amqp.CreateChannelAsync();
        await channel.BasicPublishAsync(string.Empty, "nowhere", new byte[1024]);
        var reason = await Wait.ForAsync(blocked.Task, "connection.blocked", TimeSpan.FromSeconds(30));
        Assert.Contains("disk", reason, StringComparison.OrdinalIgnoreCase);

        // 3. An MQTT 5 publisher: its first publish handled, its second held by the alarm.
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        var mqttDisconnected = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        mqtt.DisconnectedAsync += e =>
        {
            mqttDisconnected.TrySetResult(e);
            return Task.CompletedTask;
        };
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.MqttPort)
            .WithClientId("sigterm-" + Guid.NewGuid().ToString("N")[..12])
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build());
        await mqtt.PublishAsync(Message("first"));
        var held = mqtt.PublishAsync(Message("held"));

        // 4. SIGTERM: the process exits with 0 (BrokerProcess asserts it).
        Assert.True(await broker.StopGracefullyAsync(), "SIGTERM could not be sent");

        // 5. Both publishers were told the node is going, the AMQP way and the MQTT way.
        var closed = await Wait.ForAsync(amqpShutdown.Task, "the AMQP connection to be closed", TimeSpan.FromSeconds(30));
        Assert.Equal(320, closed.ReplyCode);
        Assert.Equal(ShutdownInitiator.Peer, closed.Initiator);
        var disconnected = await Wait.ForAsync(mqttDisconnected.Task, "the MQTT client to be disconnected", TimeSpan.FromSeconds(30));
        Assert.Equal(MqttClientDisconnectReason.ServerShuttingDown, disconnected.Reason);
        // Whether the second publish was held is not asserted here: it can arrive in the same read
        // as the first, before the connection's reading pauses for the alarm (a clean-clone CI run saw
        // it acknowledged). Holding publishers is MqttFlowTests' subject; this test's is the stop.
        _ = held;

        // 6. The broker's own stop time is within the documented bound.
        var line = Assert.Single(broker.RunLinesContaining("Courier stopped in "));
        var stoppedMs = long.Parse(StoppedIn().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
        output.WriteLine($"the broker stopped in {stoppedMs} ms");
        Assert.True(stoppedMs < DocumentedStopMs, $"the broker took {stoppedMs} ms to stop; the documented bound is {DocumentedStopMs} ms");
    }

    private static MqttApplicationMessage Message(string payload) => new MqttApplicationMessageBuilder()
        .WithTopic("sigterm/held")
        .WithPayload(payload)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    [GeneratedRegex(@"Courier stopped in (\d+) ms")]
    private static partial Regex StoppedIn();
}
