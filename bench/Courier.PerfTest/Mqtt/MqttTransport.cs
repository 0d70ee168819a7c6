using System.Globalization;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Courier.PerfTest.Mqtt;

/// <summary>
/// MQTT 3.1.1 through MQTTnet. Queues become topics: producer i publishes to topic i mod N and
/// consumer i subscribes to topic i mod N; with fanout every client uses one topic. MQTT has no
/// competing consumers, so a message arrives once per subscriber of its topic.
/// </summary>
public sealed class MqttTransport : ILoadTransport
{
    private readonly PerfTestOptions _options;
    private readonly MqttClientFactory _factory = new();
    private readonly string _host;
    private readonly int _port;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];

    // Subscribers of each topic, looked up for every delivery.
    private readonly int[] _subscribersPerTopic;

    public MqttTransport(PerfTestOptions options)
    {
        _options = options;
        string endpoint = options.MqttEndpoint!;
        int colon = endpoint.LastIndexOf(':');
        _host = colon > 0 ? endpoint[..colon] : endpoint;
        _port = colon > 0 ? int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture) : 1883;
        Target = $"mqtt://{_host}:{_port}";

        _subscribersPerTopic = new int[options.Fanout ? 1 : options.Queues];
        for (int c = 0; c < options.Consumers; c++)
        {
            _subscribersPerTopic[c % _subscribersPerTopic.Length]++;
        }
    }

    public string Target { get; }

    public string Host => _host;

    public int Port => _port;

    public MqttQualityOfServiceLevel Qos => _options.Qos == 1 ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce;

    public int CopiesOf(int producerId) => _subscribersPerTopic[producerId % _subscribersPerTopic.Length];

    public string TopicOf(int index) => _options.Fanout
        ? _options.Exchange
        : _options.QueuePattern.Replace("%d", (index % _options.Queues + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    // Topics need no declaring; persistent sessions (--mqtt-persistent-session) end with a clean connect.
    public Task DeclareTopologyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task DeleteTopologyAsync(CancellationToken cancellationToken)
    {
        for (int id = 0; id < _options.Consumers && _options.MqttPersistentSession; id++)
        {
            var client = await ConnectAsync($"perftest-{_runId}-c{id}", cancellationToken).ConfigureAwait(false);
            await MqttConsumer.DisconnectQuietlyAsync(client).ConfigureAwait(false);
            client.Dispose();
        }
    }

    public async Task<ILoadProducer> CreateProducerAsync(int id, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken)
    {
        var client = await ConnectAsync($"perftest-{_runId}-p{id}", cancellationToken).ConfigureAwait(false);
        int window = Math.Max(1, _options.ConfirmWindow);
        return new MqttProducer(client, id, TopicOf(id), Qos, _options.MessageSize, window, counters, pacer);
    }

    public async Task<ILoadConsumer> CreateConsumerAsync(int id, DeliverySink sink, CancellationToken cancellationToken)
    {
        var client = await ConnectAsync($"perftest-{_runId}-c{id}", cancellationToken, cleanSession: !_options.MqttPersistentSession).ConfigureAwait(false);
        return new MqttConsumer(_factory, client, TopicOf(id), Qos, sink);
    }

    public async Task<IAsyncDisposable> OpenIdleConnectionAsync(int id, CancellationToken cancellationToken)
    {
        var client = await ConnectAsync($"perftest-{_runId}-i{id}", cancellationToken).ConfigureAwait(false);
        return new IdleClient(client);
    }

    private async Task<IMqttClient> ConnectAsync(string clientId, CancellationToken cancellationToken, bool cleanSession = true)
    {
        var client = _factory.CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(_host, _port)
            .WithClientId(clientId)
            .WithCleanSession(cleanSession)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
        await client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        return client;
    }

    private sealed class IdleClient(IMqttClient client) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await MqttConsumer.DisconnectQuietlyAsync(client).ConfigureAwait(false);
            client.Dispose();
        }
    }
}
