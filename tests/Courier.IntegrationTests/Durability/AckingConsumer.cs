using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// Consumes one queue on its own connection and settles as it goes, by a seeded random choice per
/// delivery: mostly single acks, some multiple acks, some requeues, some left unacknowledged.
/// Every 40 deliveries it publishes a persistent probe on the same channel and waits for its
/// confirm, which proves the acks and delivered records before it are on disk (see <see cref="AckLedger"/>).
/// Whatever it sees that contradicts the ledger is collected in <see cref="Problems"/>, since a
/// callback cannot fail the test itself.
/// </summary>
internal sealed class AckingConsumer : IAsyncDisposable
{
    public const string ProbeQueue = "crash.c.probe";
    public const int Prefetch = 50;
    private const int DeliveriesPerProbe = 40;

    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly AckLedger _ledger;
    private readonly Random _random;
    private readonly Func<bool> _killed;
    private readonly Dictionary<ulong, AckLedger.Entry> _unacked = [];
    private readonly List<AckLedger.Entry> _ackedSinceProbe = [];
    private readonly List<AckLedger.Entry> _deliveredSinceProbe = [];
    private readonly List<string> _problems = [];
    private int _busy;
    private int _sinceProbe;

    private AckingConsumer(IConnection connection, IChannel channel, AckLedger ledger, int seed, Func<bool> killed)
    {
        _connection = connection;
        _channel = channel;
        _ledger = ledger;
        _random = new Random(seed);
        _killed = killed;
    }

    public int Deliveries { get; private set; }

    /// <summary>The highest sequence number delivered to this consumer.</summary>
    public long HighestSeen { get; private set; }

    public int Acked { get; private set; }

    public int Requeued { get; private set; }

    public int Probes { get; private set; }

    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_ledger.Gate)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>True once the connection is gone and no callback is still running.</summary>
    public bool IsStopped => !_connection.IsOpen && Volatile.Read(ref _busy) == 0;

    public static async Task<AckingConsumer> StartAsync(BrokerProcess broker, AckLedger ledger, int seed, Func<bool> killed)
    {
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var consumer = new AckingConsumer(connection, channel, ledger, seed, killed);
        await channel.BasicQosAsync(0, Prefetch, global: false);
        var handler = new AsyncEventingBasicConsumer(channel);
        handler.ReceivedAsync += (_, delivery) => consumer.OnDeliveryAsync(delivery);
        await channel.BasicConsumeAsync(ledger.Queue, autoAck: false, handler);
        return consumer;
    }

    private async Task OnDeliveryAsync(BasicDeliverEventArgs delivery)
    {
        Interlocked.Increment(ref _busy);
        try
        {
            if (Record(delivery) is not { } entry)
            {
                return;
            }

            var tag = delivery.DeliveryTag;
            var roll = _random.NextDouble();
            if (roll < 0.90)
            {
                await _channel.BasicAckAsync(tag, multiple: false);
                MarkAcked(tag, multiple: false);
            }
            else if (roll < 0.94)
            {
                await _channel.BasicAckAsync(tag, multiple: true);
                MarkAcked(tag, multiple: true);
            }
            else if (roll < 0.97)
            {
                await _channel.BasicNackAsync(tag, multiple: false, requeue: true);
                lock (_ledger.Gate)
                {
                    _unacked.Remove(tag);
                    Requeued++;
                }
            }

            // else: left unacknowledged, until a later multiple ack or the crash.
            if (++_sinceProbe >= DeliveriesPerProbe)
            {
                _sinceProbe = 0;
                await ProbeAsync();
            }
        }
        catch (Exception e)
        {
            if (!_killed())
            {
                lock (_ledger.Gate)
                {
                    _problems.Add($"consumer of '{_ledger.Queue}' failed before the crash: {e}");
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _busy);
        }
    }

    /// <summary>Checks a delivery against the ledger and records it; null if it is not a message this queue may hold.</summary>
    private AckLedger.Entry? Record(BasicDeliverEventArgs delivery)
    {
        SequencedMessage message;
        try
        {
            message = SequencedMessage.Verify(_ledger.Queue, delivery.Body.Span, delivery.BasicProperties);
        }
        catch (Exception e)
        {
            lock (_ledger.Gate)
            {
                _problems.Add(e.Message);
            }

            return null;
        }

        lock (_ledger.Gate)
        {
            Deliveries++;
            if (message.Stream != _ledger.Stream || !_ledger.Held.TryGetValue(message.Sequence, out var entry))
            {
                _problems.Add($"'{_ledger.Queue}' delivered {message.MessageId}, which it does not hold (gone: {_ledger.Gone.Contains(message.Sequence)})");
                return null;
            }

            if (entry.DeliveryDurable && !delivery.Redelivered)
            {
                _problems.Add($"'{_ledger.Queue}' delivered {message.MessageId} with redelivered=false, but its earlier delivery was on disk");
            }

            if (!entry.Delivered && delivery.Redelivered)
            {
                _problems.Add($"'{_ledger.Queue}' delivered {message.MessageId} with redelivered=true, but it was never delivered before");
            }

            entry.Delivered = true;
            HighestSeen = Math.Max(HighestSeen, message.Sequence);
            _deliveredSinceProbe.Add(entry);
            _unacked[delivery.DeliveryTag] = entry;
            return entry;
        }
    }

    private void MarkAcked(ulong tag, bool multiple)
    {
        lock (_ledger.Gate)
        {
            foreach (var (unackedTag, entry) in _unacked.Where(u => multiple ? u.Key <= tag : u.Key == tag).ToList())
            {
                _unacked.Remove(unackedTag);
                entry.AckSent = true;
                _ackedSinceProbe.Add(entry);
                Acked++;
            }
        }
    }

    /// <summary>A confirmed publish on this channel: everything acked and delivered before it is now durable.</summary>
    private async Task ProbeAsync()
    {
        AckLedger.Entry[] acked, delivered;
        lock (_ledger.Gate)
        {
            acked = [.. _ackedSinceProbe];
            delivered = [.. _deliveredSinceProbe];
            _ackedSinceProbe.Clear();
            _deliveredSinceProbe.Clear();
        }

        await _channel.BasicPublishAsync(
            string.Empty, ProbeQueue, mandatory: true, new BasicProperties { DeliveryMode = DeliveryModes.Persistent }, "probe"u8.ToArray());
        lock (_ledger.Gate)
        {
            Probes++;
            foreach (var entry in acked)
            {
                entry.AckDurable = true;
            }

            foreach (var entry in delivered)
            {
                entry.DeliveryDurable = true;
            }
        }
    }

    /// <summary>
    /// After the crash: the broker may have sent up to a prefetch of messages this consumer never
    /// saw (and recorded them as delivered). Fresh messages go out in queue order, so those are the
    /// next never-delivered ones after the highest this consumer saw.
    /// </summary>
    public void MarkPossiblyInFlight()
    {
        lock (_ledger.Gate)
        {
            var marked = 0;
            foreach (var (sequence, entry) in _ledger.Held)
            {
                if (marked == Prefetch)
                {
                    break;
                }

                if (sequence > HighestSeen && !entry.Delivered)
                {
                    entry.MaybeInFlight = true;
                    marked++;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_connection.IsOpen)
            {
                await _connection.CloseAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is IOException or RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException)
        {
            // The broker is gone; there is nothing left to close politely.
        }

        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
