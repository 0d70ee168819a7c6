using System.Text;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>A delivery as a test sees it, copied out of the client's buffers so it outlives the callback.</summary>
internal sealed record Delivery(
    string ConsumerTag,
    ulong DeliveryTag,
    bool Redelivered,
    string Exchange,
    string RoutingKey,
    IReadOnlyBasicProperties Properties,
    byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    /// <summary>When the consumer saw it, on <see cref="System.Diagnostics.Stopwatch"/>'s clock (delay tests compare it with publish times).</summary>
    public long ReceivedAt { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();
}

/// <summary>A consumer that records its deliveries, and whether the broker cancelled it, for tests to wait on.</summary>
internal sealed class RecordingConsumer(IChannel channel) : AsyncDefaultBasicConsumer(channel)
{
    private readonly Lock _gate = new();
    private readonly List<Delivery> _deliveries = [];
    private readonly TaskCompletionSource<string> _cancelledByBroker = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<Delivery> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _deliveries];
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _deliveries.Count;
            }
        }
    }

    public IReadOnlyList<string> Texts => [.. Deliveries.Select(d => d.Text)];

    /// <summary>Completes with the consumer tag when the broker sends basic.cancel.</summary>
    public Task<string> CancelledByBroker => _cancelledByBroker.Task;

    public override Task HandleBasicDeliverAsync(
        string consumerTag,
        ulong deliveryTag,
        bool redelivered,
        string exchange,
        string routingKey,
        IReadOnlyBasicProperties properties,
        ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken = default)
    {
        var delivery = new Delivery(consumerTag, deliveryTag, redelivered, exchange, routingKey, new BasicProperties(properties), body.ToArray());
        lock (_gate)
        {
            _deliveries.Add(delivery);
        }

        return Task.CompletedTask;
    }

    public override async Task HandleBasicCancelAsync(string consumerTag, CancellationToken cancellationToken = default)
    {
        await base.HandleBasicCancelAsync(consumerTag, cancellationToken);
        _cancelledByBroker.TrySetResult(consumerTag);
    }

    /// <summary>Waits until at least <paramref name="count"/> deliveries have arrived; returns all so far.</summary>
    public async Task<IReadOnlyList<Delivery>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        await Wait.UntilAsync(() => Count >= count, $"{count} deliveries", timeout);
        return Deliveries;
    }
}
