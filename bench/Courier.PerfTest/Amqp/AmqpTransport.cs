using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Options;
using RabbitMQ.Client;

namespace Courier.PerfTest.Amqp;

/// <summary>
/// AMQP 0-9-1 through RabbitMQ.Client. Producer i publishes to queue i mod N through the default
/// exchange, or to the fanout exchange bound to every queue; consumer i consumes queue i mod N,
/// or the dead-letter queue when there is one.
/// </summary>
public sealed class AmqpTransport : ILoadTransport
{
    private readonly PerfTestOptions _options;
    private readonly ConnectionFactory _factory;

    public AmqpTransport(PerfTestOptions options)
    {
        _options = options;
        _factory = new ConnectionFactory
        {
            Uri = new Uri(options.Uri),
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            ConsumerDispatchConcurrency = 1,
        };
        var target = new UriBuilder(options.Uri) { UserName = "", Password = "" };
        Target = target.Uri.ToString().TrimEnd('/');
    }

    public string Target { get; }

    public int CopiesOf(int producerId) => _options.Fanout ? _options.Queues : 1;

    public string QueueName(int index) => _options.QueuePattern.Replace("%d", (index + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>What consumer <paramref name="id"/> reads: the dead-letter queue when there is one, else queue <c>id mod N</c>.</summary>
    public string ConsumeQueue(int id) => _options.DeadLetterQueue ?? QueueName(id % _options.Queues);

    /// <summary>
    /// Arguments of the queues published to: <c>--queue-args</c>, and with a dead-letter queue the
    /// two that send their dead letters there through the default exchange. Null when there are none.
    /// </summary>
    public Dictionary<string, object?>? WorkQueueArguments()
    {
        if (_options.QueueArguments is null && _options.DeadLetterQueue is null)
        {
            return null;
        }

        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (_options.QueueArguments is { } given)
        {
            foreach (var (key, value) in given)
            {
                arguments[key] = value;
            }
        }

        if (_options.DeadLetterQueue is { } deadLetterQueue)
        {
            arguments["x-dead-letter-exchange"] = "";
            arguments["x-dead-letter-routing-key"] = deadLetterQueue;
        }

        return arguments;
    }

    /// <summary>Where producer <paramref name="id"/> publishes: the fanout exchange, or its queue through the default exchange.</summary>
    public (string Exchange, string RoutingKey) PublishTarget(int id) =>
        _options.Fanout ? (_options.Exchange, "") : ("", QueueName(id % _options.Queues));

    public async Task DeclareTopologyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _factory.CreateConnectionAsync("perftest-topology", cancellationToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        if (_options.Fanout)
        {
            await channel.ExchangeDeclareAsync(_options.Exchange, ExchangeType.Fanout, _options.DurableQueues, autoDelete: false,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        // The dead-letter queue first, so nothing that expires at once is dropped for want of it.
        if (_options.DeadLetterQueue is { } deadLetterQueue)
        {
            await channel.QueueDeclareAsync(deadLetterQueue, _options.DurableQueues, exclusive: false, autoDelete: false,
                cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var arguments = WorkQueueArguments();
        for (int q = 0; q < _options.Queues; q++)
        {
            await channel.QueueDeclareAsync(QueueName(q), _options.DurableQueues, exclusive: false, autoDelete: false, arguments,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (_options.Fanout)
            {
                await channel.QueueBindAsync(QueueName(q), _options.Exchange, "", cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
        await connection.CloseAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteTopologyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _factory.CreateConnectionAsync("perftest-topology", cancellationToken).ConfigureAwait(false);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        for (int q = 0; q < _options.Queues; q++)
        {
            await channel.QueueDeleteAsync(QueueName(q), ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (_options.DeadLetterQueue is { } deadLetterQueue)
        {
            await channel.QueueDeleteAsync(deadLetterQueue, ifUnused: false, ifEmpty: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        if (_options.Fanout)
        {
            await channel.ExchangeDeleteAsync(_options.Exchange, ifUnused: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await channel.CloseAsync(cancellationToken).ConfigureAwait(false);
        await connection.CloseAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<ILoadProducer> CreateProducerAsync(int id, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken)
    {
        var (exchange, routingKey) = PublishTarget(id);
        return await AmqpProducer.CreateAsync(_factory, id, exchange, routingKey, _options.MessageSize, _options.Persistent,
            _options.ConfirmWindow, counters, pacer, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ILoadConsumer> CreateConsumerAsync(int id, DeliverySink sink, CancellationToken cancellationToken) =>
        await AmqpConsumer.CreateAsync(_factory, id, ConsumeQueue(id), _options.AutoAck, _options.Prefetch,
            _options.MultiAckEvery, sink, cancellationToken).ConfigureAwait(false);

    public async Task<IAsyncDisposable> OpenIdleConnectionAsync(int id, CancellationToken cancellationToken)
    {
        var connection = await _factory.CreateConnectionAsync($"perftest-idle-{id}", cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return new IdleConnection(connection, channel);
    }

    private sealed class IdleConnection(IConnection connection, IChannel channel) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await connection.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException or IOException)
            {
            }

            channel.Dispose();
            connection.Dispose();
        }
    }
}
