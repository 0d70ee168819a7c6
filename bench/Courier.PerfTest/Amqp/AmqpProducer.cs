using System.Diagnostics;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Messages;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.PerfTest.Amqp;

/// <summary>
/// One producer: its own connection and channel, one publish loop on its own thread, an optional
/// confirm window. The body buffer and properties are reused for every publish; the client copies
/// the body into its frame before the publish completes, and the loop waits for each publish
/// before restamping.
/// </summary>
public sealed class AmqpProducer : ILoadProducer
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly ConfirmWindow? _window;
    private readonly int _id;
    private readonly string _exchange;
    private readonly string _routingKey;
    private readonly int _messageSize;
    private readonly BasicProperties _properties;
    private readonly ProducerCounters _counters;
    private readonly RatePacer _pacer;
    private readonly CancellationTokenSource _channelClosed = new();
    private string? _closeReason;

    private AmqpProducer(IConnection connection, IChannel channel, ConfirmWindow? window, int id, string exchange,
        string routingKey, int messageSize, bool persistent, ProducerCounters counters, RatePacer pacer)
    {
        _connection = connection;
        _channel = channel;
        _window = window;
        _id = id;
        _exchange = exchange;
        _routingKey = routingKey;
        _messageSize = messageSize;
        _properties = new BasicProperties { DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient };
        _counters = counters;
        _pacer = pacer;
        _channel.ChannelShutdownAsync += OnChannelShutdownAsync;
        if (_window is not null)
        {
            _channel.BasicAcksAsync += OnBasicAcksAsync;
            _channel.BasicNacksAsync += OnBasicNacksAsync;
        }
    }

    public static async Task<AmqpProducer> CreateAsync(IConnectionFactory factory, int id, string exchange, string routingKey,
        int messageSize, bool persistent, int confirmWindow, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken)
    {
        var connection = await factory.CreateConnectionAsync($"perftest-producer-{id}", cancellationToken).ConfigureAwait(false);
        // Confirms are tracked here rather than by the client, whose tracking makes each publish
        // wait for its own confirm; the window keeps up to N in flight from a single loop.
        var channelOptions = new CreateChannelOptions(
            publisherConfirmationsEnabled: confirmWindow > 0,
            publisherConfirmationTrackingEnabled: false);
        var channel = await connection.CreateChannelAsync(channelOptions, cancellationToken).ConfigureAwait(false);
        var window = confirmWindow > 0 ? new ConfirmWindow(confirmWindow) : null;
        return new AmqpProducer(connection, channel, window, id, exchange, routingKey, messageSize, persistent, counters, pacer);
    }

    public long Run(long messageLimit, TimeSpan settleTimeout, CancellationToken stop)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop, _channelClosed.Token);
        byte[] body = MessageStamp.NewBody(_messageSize);
        long sequence = 0;
        _pacer.Start();
        try
        {
            while ((messageLimit == 0 || sequence < messageLimit) && _pacer.WaitTurn(cancel.Token))
            {
                _window?.Reserve(cancel.Token);
                new MessageStamp(_id, sequence, Stopwatch.GetTimestamp()).Write(body);
                // Not cancellable: a publish cut off half-way would leave the channel unusable.
                var publish = _channel.BasicPublishAsync(_exchange, _routingKey, mandatory: false, _properties, body, CancellationToken.None);
                if (publish.IsCompleted)
                {
                    publish.GetAwaiter().GetResult();
                }
                else
                {
                    publish.AsTask().GetAwaiter().GetResult();
                }

                _counters.CountSent();
                sequence++;
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }

        long stopped = Stopwatch.GetTimestamp();
        if (_closeReason is not null)
        {
            throw new InvalidOperationException($"producer {_id}: channel closed: {_closeReason}");
        }

        _window?.Drain(settleTimeout);
        return stopped;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _channel.CloseAsync().ConfigureAwait(false);
            await _connection.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException or IOException)
        {
        }

        _channel.Dispose();
        _connection.Dispose();
        _window?.Dispose();
        _channelClosed.Dispose();
    }

    private Task OnBasicAcksAsync(object sender, BasicAckEventArgs e)
    {
        _counters.CountConfirmed(_window!.Settle(e.DeliveryTag, e.Multiple));
        return Task.CompletedTask;
    }

    private Task OnBasicNacksAsync(object sender, BasicNackEventArgs e)
    {
        _counters.CountNacked(_window!.Settle(e.DeliveryTag, e.Multiple));
        return Task.CompletedTask;
    }

    private Task OnChannelShutdownAsync(object sender, ShutdownEventArgs e)
    {
        if (e.Initiator != ShutdownInitiator.Application)
        {
            _closeReason = $"{e.ReplyCode} {e.ReplyText}";
            _channelClosed.Cancel();
        }

        return Task.CompletedTask;
    }
}
