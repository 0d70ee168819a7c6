using System.Threading.Channels;
using Courier.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>MQTTnet clients against a test broker, and what they receive.</summary>
internal static class MqttClients
{
    private static readonly MqttClientFactory Factory = new();

    public static MqttClientOptionsBuilder Options(TestBroker broker, MqttProtocolVersion version, string? clientId = null) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.MqttPort)
            .WithClientId(clientId ?? "test-" + Guid.NewGuid().ToString("N")[..12])
            .WithCleanSession(true)
            .WithProtocolVersion(version)
            .WithTimeout(Wait.DefaultTimeout);

    public static async Task<Received> ConnectAsync(TestBroker broker, MqttProtocolVersion version, string? clientId = null, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var builder = Options(broker, version, clientId);
        configure?.Invoke(builder);
        var client = Factory.CreateMqttClient();
        var received = new Received(client);
        await client.ConnectAsync(builder.Build());
        return received;
    }

    /// <summary>Connects a client that is disposed at once, for the CONNACK's result (MQTTnet returns a refusal rather than throwing).</summary>
    public static async Task<MqttClientConnectResult> ConnAckAsync(TestBroker broker, MqttProtocolVersion version, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var builder = Options(broker, version);
        configure?.Invoke(builder);
        using var client = Factory.CreateMqttClient();
        return await client.ConnectAsync(builder.Build());
    }

    public static async Task SubscribeAsync(this Received client, string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce)
    {
        var result = await client.Client.SubscribeAsync(Factory.CreateSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build());
        Assert.All(result.Items, item => Assert.True((int)item.ResultCode <= 2, $"subscribe to '{filter}' failed: {item.ResultCode}"));
    }

    public static Task<MqttClientPublishResult> PublishAsync(this Received client, string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        client.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).Build());

    /// <summary>An MQTTnet client with the messages it has received, in order.</summary>
    internal sealed class Received : IAsyncDisposable
    {
        private readonly Channel<MqttApplicationMessage> _messages = Channel.CreateUnbounded<MqttApplicationMessage>();

        public Received(IMqttClient client)
        {
            Client = client;
            client.ApplicationMessageReceivedAsync += e =>
            {
                _messages.Writer.TryWrite(e.ApplicationMessage);
                return Task.CompletedTask;
            };
            client.DisconnectedAsync += e =>
            {
                Disconnected.TrySetResult(e);
                return Task.CompletedTask;
            };
        }

        public IMqttClient Client { get; }

        public TaskCompletionSource<MqttClientDisconnectedEventArgs> Disconnected { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<MqttApplicationMessage> NextAsync(TimeSpan? timeout = null)
        {
            using var cancel = new CancellationTokenSource(timeout ?? Wait.DefaultTimeout);
            return await _messages.Reader.ReadAsync(cancel.Token);
        }

        /// <summary>Takes a message already received, if any, without waiting.</summary>
        public bool TryTake(out MqttApplicationMessage? message) => _messages.Reader.TryRead(out message);

        public async ValueTask DisposeAsync()
        {
            if (Client.IsConnected)
            {
                try
                {
                    await Client.DisconnectAsync();
                }
                catch (Exception)
                {
                    // Gone already.
                }
            }

            Client.Dispose();
        }
    }
}
