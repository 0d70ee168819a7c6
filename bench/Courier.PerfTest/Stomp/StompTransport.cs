using System.Globalization;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Options;
using Courier.PerfTest.Stomp.Wire;

namespace Courier.PerfTest.Stomp;

/// <summary>
/// STOMP 1.2 through the lean client, with the destinations RabbitMQ's STOMP plugin, ActiveMQ and
/// Courier share. Queues are <c>/queue/&lt;name&gt;</c> (a durable queue on all three, competing
/// consumers: producer i and consumer i use queue i mod N); with fanout every client uses
/// <c>/topic/&lt;exchange&gt;</c>, where each subscriber gets every message. Destinations need no
/// declaring: the brokers create them on first use.
/// </summary>
public sealed class StompTransport : ILoadTransport
{
    private readonly PerfTestOptions _options;
    private readonly StompEndpoint _endpoint;

    public StompTransport(PerfTestOptions options)
    {
        _options = options;
        _endpoint = StompEndpoint.Parse(options.StompEndpoint!, options.StompLogin);
    }

    public string Target => _endpoint.ToString();

    public int CopiesOf(int producerId) => _options.Fanout ? _options.Consumers : 1;

    public string DestinationOf(int index) => _options.Fanout
        ? "/topic/" + _options.Exchange
        : "/queue/" + _options.QueuePattern.Replace("%d", (index % _options.Queues + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    public Task DeclareTopologyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>STOMP cannot delete a queue; the run's names are its own (the queue pattern carries the run).</summary>
    public Task DeleteTopologyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<ILoadProducer> CreateProducerAsync(int id, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken) =>
        await StompWireProducer.CreateAsync(_endpoint, id, DestinationOf(id), _options.Persistent, _options.MessageSize, _options.ConfirmWindow,
            counters, pacer, cancellationToken).ConfigureAwait(false);

    public async Task<ILoadConsumer> CreateConsumerAsync(int id, DeliverySink sink, CancellationToken cancellationToken) =>
        await StompWireConsumer.CreateAsync(_endpoint, id, DestinationOf(id), _options.AutoAck, _options.Prefetch, _options.MultiAckEvery, sink,
            cancellationToken).ConfigureAwait(false);

    public Task<IAsyncDisposable> OpenIdleConnectionAsync(int id, CancellationToken cancellationToken) =>
        Task.Run<IAsyncDisposable>(() => new IdleConnection(_endpoint.Open(IdleBufferSize)), cancellationToken);

    private const int IdleBufferSize = 512;

    private sealed class IdleConnection(StompWireConnection connection) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            connection.Close();
            return ValueTask.CompletedTask;
        }
    }
}
