using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Options;

namespace Courier.PerfTest.Amqp.Wire;

/// <summary>
/// AMQP 0-9-1 with the lean client for producers and consumers, so the load generator spends less
/// CPU per message than the broker it measures. Topology and idle connections are not on the
/// hot path and go through RabbitMQ.Client, as in <see cref="AmqpTransport"/>.
/// </summary>
public sealed class WireTransport : ILoadTransport
{
    private readonly PerfTestOptions _options;
    private readonly AmqpTransport _reference;
    private readonly Uri _uri;

    public WireTransport(PerfTestOptions options)
    {
        _options = options;
        _reference = new AmqpTransport(options);
        _uri = new Uri(options.Uri);
    }

    public string Target => _reference.Target;

    public int CopiesOf(int producerId) => _reference.CopiesOf(producerId);

    public Task DeclareTopologyAsync(CancellationToken cancellationToken) => _reference.DeclareTopologyAsync(cancellationToken);

    public Task DeleteTopologyAsync(CancellationToken cancellationToken) => _reference.DeleteTopologyAsync(cancellationToken);

    public async Task<ILoadProducer> CreateProducerAsync(int id, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken)
    {
        var (exchange, routingKey) = _reference.PublishTarget(id);
        return await WireProducer.CreateAsync(_uri, id, exchange, routingKey, _options.MessageSize, _options.Persistent,
            _options.ConfirmWindow, counters, pacer, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ILoadConsumer> CreateConsumerAsync(int id, DeliverySink sink, CancellationToken cancellationToken) =>
        await WireConsumer.CreateAsync(_uri, id, _reference.ConsumeQueue(id), _options.AutoAck, _options.Prefetch,
            _options.MultiAckEvery, sink, cancellationToken).ConfigureAwait(false);

    public Task<IAsyncDisposable> OpenIdleConnectionAsync(int id, CancellationToken cancellationToken) =>
        _reference.OpenIdleConnectionAsync(id, cancellationToken);
}
