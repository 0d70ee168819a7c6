using System.Collections.Concurrent;
using System.Text;
using Courier.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// A node killed with SIGKILL while MQTT clients retain and clear messages keeps every retained
/// publish it acknowledged: after a restart on the same data directory each topic holds the last
/// acknowledged payload, byte for byte, or none when that publish was a clear, unless the publish
/// in flight at the kill (never acknowledged) got there first.
/// </summary>
/// <remarks>
/// Rounds of publish, kill, restart, check. Four publishers, each with its own topics, each
/// waiting for every PUBACK before its next publish, so at most one publish per topic is in
/// flight at the kill. Every fifth publish of a topic is a clear (an empty retained payload).
/// </remarks>
public sealed class MqttRetainedSurvivesKillTests(ITestOutputHelper output)
{
    private const int Rounds = 3;
    private const int Publishers = 4;
    private const int TopicsPerPublisher = 25;
    private const int AcksBeforeKill = 400;
    private static readonly MqttClientFactory Factory = new();

    [Fact]
    public async Task Every_acknowledged_retained_publish_and_clear_survives_SIGKILL()
    {
        var seed = CrashSeed.Choose();
        output.WriteLine($"seed {seed} (set {CrashSeed.Variable}={seed} to replay)");
        var random = new Random(seed);
        var topics = new ConcurrentDictionary<string, TopicState>(StringComparer.Ordinal);
        var sequence = 0;
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        for (var round = 1; round <= Rounds; round++)
        {
            // 1. Publishers retain and clear at full speed; SIGKILL once enough are acknowledged.
            var acked = 0;
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var publishers = new List<Task>();
            for (var p = 0; p < Publishers; p++)
            {
                var publisher = p;
                var offset = random.Next(TopicsPerPublisher);
                publishers.Add(Task.Run(async () =>
                {
                    using var client = Factory.CreateMqttClient();
                    await client.ConnectAsync(Options(broker, publisher % 2 == 0 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311));
                    for (var n = 0; n < 1_000_000; n++)
                    {
                        var topic = $"retained/p{publisher}/t{(n + offset) % TopicsPerPublisher}";
                        var number = Interlocked.Increment(ref sequence);
                        var payload = number % 5 == 0 ? null : $"{topic}#{number}:" + new string('x', number % 64);
                        var state = topics.GetOrAdd(topic, _ => new TopicState());
                        state.InFlight = (true, payload);
                        MqttClientPublishResult result;
                        try
                        {
                            result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic)
                                .WithPayload(payload ?? string.Empty).WithRetainFlag()
                                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                        }
                        catch (Exception)
                        {
                            return; // killed: this publish stays in flight (anything else times the round out)
                        }

                        Assert.True(result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers, $"{topic}: {result.ReasonCode}");

                        state.Acknowledged = payload;
                        state.InFlight = (false, null);
                        if (Interlocked.Increment(ref acked) == AcksBeforeKill)
                        {
                            enough.TrySetResult();
                        }
                    }
                }));
            }

            await enough.Task.WaitAsync(Wait.DefaultTimeout);
            await broker.KillAsync();
            await Task.WhenAll(publishers).WaitAsync(Wait.DefaultTimeout);

            // 2. Restart on what the killed process left, and read every retained message back.
            await broker.RestartAsync();
            var survived = await RetainedAsync(broker);

            // 3. Each topic: the last acknowledged state, or the unacknowledged one after it.
            var inFlightSurvivors = 0;
            foreach (var (topic, state) in topics)
            {
                survived.TryGetValue(topic, out var actual);
                if (actual != state.Acknowledged)
                {
                    Assert.True(state.InFlight.Sent && actual == state.InFlight.Payload, $"round {round}: {topic} holds '{actual ?? "nothing"}', acknowledged '{state.Acknowledged ?? "nothing (cleared)"}'");
                    inFlightSurvivors++;
                }

                state.Acknowledged = actual;
                state.InFlight = (false, null);
            }

            Assert.All(survived.Keys, topic => Assert.True(topics.ContainsKey(topic), $"{topic} was never published"));
            output.WriteLine($"round {round}: {topics.Count} topics, {survived.Count} retained, {inFlightSurvivors} unacknowledged publishes survived");
        }

        broker.AssertNoErrorsLogged();
    }

    private static MqttClientOptions Options(BrokerProcess broker, MqttProtocolVersion version) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.MqttPort)
            .WithClientId("retained-" + Guid.NewGuid().ToString("N")[..12])
            .WithCleanSession(true)
            .WithProtocolVersion(version)
            .WithTimeout(Wait.DefaultTimeout)
            .Build();

    /// <summary>Every retained message under <c>retained/#</c>, by topic; a marker published after the subscription ends them.</summary>
    private static async Task<Dictionary<string, string>> RetainedAsync(BrokerProcess broker)
    {
        var marker = "marker/" + Guid.NewGuid().ToString("N");
        var received = System.Threading.Channels.Channel.CreateUnbounded<MqttApplicationMessage>();
        using var subscriber = Factory.CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.Writer.TryWrite(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(Options(broker, MqttProtocolVersion.V500));
        await subscriber.SubscribeAsync(Factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter("retained/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(marker, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        using (var publisher = Factory.CreateMqttClient())
        {
            await publisher.ConnectAsync(Options(broker, MqttProtocolVersion.V311));
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(marker).WithPayload("end")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await publisher.DisconnectAsync();
        }

        var retained = new Dictionary<string, string>(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(Wait.DefaultTimeout);
        for (var i = 0; i < 100_000; i++)
        {
            var message = await received.Reader.ReadAsync(timeout.Token);
            if (message.Topic == marker)
            {
                await subscriber.DisconnectAsync();
                return retained;
            }

            Assert.True(message.Retain);
            Assert.True(retained.TryAdd(message.Topic, Encoding.UTF8.GetString(message.Payload)), $"{message.Topic} came twice");
        }

        throw new InvalidOperationException("no marker after 100,000 messages");
    }

    private sealed class TopicState
    {
        public string? Acknowledged { get; set; }

        public (bool Sent, string? Payload) InFlight { get; set; }
    }
}
