using System.Text;
using System.Threading.Channels;
using Courier.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Connections;

/// <summary>
/// The <c>courier</c> executable runs socket completions inline on the runtime's epoll threads
/// unless <c>--socket-inline-completions false</c> says otherwise. The setting is process-wide
/// and read by the runtime once, so it is checked on a real child process: the node's start-up
/// line reports the mode as the runtime's socket engine holds it (not as configured), and MQTT
/// and AMQP clients then work through it.
/// </summary>
public sealed class SocketCompletionsTests(ITestOutputHelper output)
{
    private const int Messages = 200;
    private static readonly MqttClientFactory Factory = new();

    [Fact]
    public async Task The_executable_runs_socket_completions_inline_by_default()
    {
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);

        Assert.Single(broker.RunLinesContaining("Socket completions run inline on the epoll threads"));
        await AssertMqttQos1RoundTripAsync(broker);
        await AssertAmqpRoundTripAsync(broker);
        broker.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task Socket_inline_completions_false_leaves_them_on_the_thread_pool()
    {
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--socket-inline-completions", "false");

        Assert.Single(broker.RunLinesContaining("Socket completions run on the thread pool"));
        await AssertMqttQos1RoundTripAsync(broker);
        broker.AssertNoErrorsLogged();
    }

    /// <summary>QoS 1 publishes from one MQTTnet client all reach another's subscription, in order.</summary>
    private static async Task AssertMqttQos1RoundTripAsync(BrokerProcess broker)
    {
        var received = Channel.CreateUnbounded<string>();
        using var subscriber = Factory.CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.Writer.TryWrite(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(Options(broker, MqttProtocolVersion.V500));
        await subscriber.SubscribeAsync(Factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter("inline/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        using var publisher = Factory.CreateMqttClient();
        await publisher.ConnectAsync(Options(broker, MqttProtocolVersion.V311));
        for (var i = 0; i < Messages; i++)
        {
            var result = await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("inline/t")
                .WithPayload($"m{i}").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (var i = 0; i < Messages; i++)
        {
            Assert.Equal($"m{i}", await received.Reader.ReadAsync(timeout.Token));
        }
    }

    /// <summary>A confirmed AMQP publish to a queue is fetched back by basic.get.</summary>
    private static async Task AssertAmqpRoundTripAsync(BrokerProcess broker)
    {
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var queue = (await channel.QueueDeclareAsync("inline-" + Guid.NewGuid().ToString("N"), durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, Encoding.UTF8.GetBytes("hello"));

        // Confirmed (the publish awaited its basic.ack), so it is in the queue now.
        var got = await channel.BasicGetAsync(queue, autoAck: true);
        Assert.NotNull(got);
        Assert.Equal("hello", Encoding.UTF8.GetString(got.Body.Span));
    }

    private static MqttClientOptions Options(BrokerProcess broker, MqttProtocolVersion version) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.MqttPort)
            .WithClientId("inline-" + Guid.NewGuid().ToString("N")[..12])
            .WithCleanSession(true)
            .WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
}
