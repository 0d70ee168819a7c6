using System.Net.Sockets;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Options;

namespace Courier.PerfTest.Mqtt.Wire;

/// <summary>
/// MQTT 3.1.1 with the lean client for producers and consumers (MQTTnet's subscriber falls behind
/// a broker that delivers more than a few thousand QoS 1 messages a second on this machine), and for
/// idle connections (a socket and a few bytes each, where an MQTTnet client holds tens of KiB, so
/// the generator can hold as many as the broker). Topic names are <see cref="MqttTransport"/>'s.
/// </summary>
public sealed class MqttWireTransport : ILoadTransport
{
    private readonly PerfTestOptions _options;
    private readonly MqttTransport _reference;
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];

    public MqttWireTransport(PerfTestOptions options)
    {
        _options = options;
        _reference = new MqttTransport(options);
    }

    public string Target => _reference.Target;

    public int CopiesOf(int producerId) => _reference.CopiesOf(producerId);

    public Task DeclareTopologyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Persistent sessions end with a clean-session connect of each subscriber's client id.</summary>
    public Task DeleteTopologyAsync(CancellationToken cancellationToken) => !_options.MqttPersistentSession ? Task.CompletedTask : Task.Run(
        () =>
        {
            for (int id = 0; id < _options.Consumers; id++)
            {
                MqttWireConnection.Open(_reference.Host, _reference.Port, $"perftest-{_runId}-c{id}").Dispose();
            }
        },
        cancellationToken);

    public async Task<ILoadProducer> CreateProducerAsync(int id, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken) =>
        await MqttWireProducer.CreateAsync(_reference.Host, _reference.Port, $"perftest-{_runId}-p{id}", id, _reference.TopicOf(id), _options.Qos,
            _options.MessageSize, Math.Max(1, _options.ConfirmWindow), counters, pacer, cancellationToken).ConfigureAwait(false);

    public async Task<ILoadConsumer> CreateConsumerAsync(int id, DeliverySink sink, CancellationToken cancellationToken) =>
        await MqttWireConsumer.CreateAsync(_reference.Host, _reference.Port, $"perftest-{_runId}-c{id}", !_options.MqttPersistentSession, id,
            _reference.TopicOf(id), _options.Qos, sink, cancellationToken).ConfigureAwait(false);

    public Task<IAsyncDisposable> OpenIdleConnectionAsync(int id, CancellationToken cancellationToken) =>
        Task.Run<IAsyncDisposable>(() => new IdleConnection(
            MqttWireConnection.Open(_reference.Host, _reference.Port, $"perftest-{_runId}-i{id}", bufferSize: IdleBufferSize)), cancellationToken);

    private const int IdleBufferSize = 16;

    private sealed class IdleConnection(MqttWireConnection connection) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            try
            {
                connection.SendDisconnect();
            }
            catch (SocketException)
            {
                // The broker closed it first; closing is all that is left.
            }

            connection.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
