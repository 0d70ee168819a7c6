using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using RabbitMQ.Client;

namespace Courier.PerfTest.Amqp;

/// <summary>
/// One consumer: its own connection and channel, basic.qos, and acknowledgements batched with
/// <c>multiple</c> every N deliveries. The client dispatches one delivery at a time per channel,
/// so the ack bookkeeping needs no lock.
/// </summary>
public sealed class AmqpConsumer : AsyncDefaultBasicConsumer, ILoadConsumer
{
    private readonly IConnection _connection;
    private readonly DeliverySink _sink;
    private readonly string _queue;
    private readonly bool _autoAck;
    private readonly int _prefetch;
    private readonly int _ackEvery;
    private ulong _lastDeliveryTag;
    private int _unacked;
    private string? _consumerTag;

    private AmqpConsumer(IConnection connection, IChannel channel, DeliverySink sink, string queue, bool autoAck, int prefetch, int multiAckEvery)
        : base(channel)
    {
        _connection = connection;
        _sink = sink;
        _queue = queue;
        _autoAck = autoAck;
        _prefetch = prefetch;
        // Acking less often than the prefetch allows would stall the consumer for good.
        _ackEvery = prefetch > 0 ? Math.Min(multiAckEvery, prefetch) : multiAckEvery;
    }

    public static async Task<AmqpConsumer> CreateAsync(IConnectionFactory factory, int id, string queue, bool autoAck, int prefetch,
        int multiAckEvery, DeliverySink sink, CancellationToken cancellationToken)
    {
        var connection = await factory.CreateConnectionAsync($"perftest-consumer-{id}", cancellationToken).ConfigureAwait(false);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        return new AmqpConsumer(connection, channel, sink, queue, autoAck, prefetch, multiAckEvery);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_prefetch > 0 && !_autoAck)
        {
            await Channel.BasicQosAsync(0, (ushort)_prefetch, global: false, cancellationToken).ConfigureAwait(false);
        }

        _consumerTag = await Channel.BasicConsumeAsync(_queue, _autoAck, this, cancellationToken).ConfigureAwait(false);
    }

    public override Task HandleBasicDeliverAsync(string consumerTag, ulong deliveryTag, bool redelivered, string exchange,
        string routingKey, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        _sink.OnDelivery(body.Span);
        if (_autoAck)
        {
            return Task.CompletedTask;
        }

        _lastDeliveryTag = deliveryTag;
        if (++_unacked < _ackEvery)
        {
            return Task.CompletedTask;
        }

        _unacked = 0;
        return Channel.BasicAckAsync(deliveryTag, multiple: true, cancellationToken).AsTask();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!Channel.IsOpen)
        {
            return;
        }

        if (_consumerTag is not null)
        {
            await Channel.BasicCancelAsync(_consumerTag, noWait: false, cancellationToken).ConfigureAwait(false);
        }

        if (_unacked > 0)
        {
            await Channel.BasicAckAsync(_lastDeliveryTag, multiple: true, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Channel.CloseAsync().ConfigureAwait(false);
            await _connection.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException or IOException)
        {
        }

        Channel.Dispose();
        _connection.Dispose();
    }
}
