using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Courier.PerfTest.Mqtt;

/// <summary>
/// One MQTT subscriber. MQTTnet hands over one message at a time per client and sends the QoS 1
/// PUBACK when the handler returns, so the handler does no more than stamp and count.
/// </summary>
public sealed class MqttConsumer : ILoadConsumer
{
    private readonly MqttClientFactory _factory;
    private readonly IMqttClient _client;
    private readonly string _topic;
    private readonly MqttQualityOfServiceLevel _qos;
    private readonly DeliverySink _sink;

    public MqttConsumer(MqttClientFactory factory, IMqttClient client, string topic, MqttQualityOfServiceLevel qos, DeliverySink sink)
    {
        _factory = factory;
        _client = client;
        _topic = topic;
        _qos = qos;
        _sink = sink;
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscribe = _factory.CreateSubscribeOptionsBuilder().WithTopicFilter(_topic, _qos).Build();
        await _client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_client.IsConnected)
        {
            var unsubscribe = _factory.CreateUnsubscribeOptionsBuilder().WithTopicFilter(_topic).Build();
            await _client.UnsubscribeAsync(unsubscribe, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.ApplicationMessageReceivedAsync -= OnMessageAsync;
        await DisconnectQuietlyAsync(_client).ConfigureAwait(false);
        _client.Dispose();
    }

    internal static async Task DisconnectQuietlyAsync(IMqttClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync().ConfigureAwait(false);
            }
        }
        catch (MqttCommunicationException)
        {
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        _sink.OnDelivery(e.ApplicationMessage.Payload);
        return Task.CompletedTask;
    }
}
