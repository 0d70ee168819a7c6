namespace Courier.Core.Statistics;

/// <summary>
/// One channel's message counts, as RabbitMQ shows them in a channel's <c>message_stats</c>: what
/// its client published and was confirmed, what was delivered to it or got on it, and what it
/// acknowledged.
/// </summary>
/// <remarks>
/// Threading: each count has one writer at a time, so an update is a plain increment, no atomic.
/// Publishes and acknowledgements are counted by the connection's reader, which drives the channel;
/// confirms by whoever writes them, under the lock that orders the confirm frames; deliveries and
/// gets under the channel's own lock, which a delivering queue's thread holds for the delivery
/// anyway. Read from any thread without a lock (the sampler, the API): a 64-bit read is whole, and
/// a count a moment old is what a rate needs.
/// </remarks>
public sealed class ChannelCounters
{
    private long _publish;
    private long _confirm;
    private long _deliver;
    private long _deliverNoAck;
    private long _get;
    private long _getNoAck;
    private long _getEmpty;
    private long _redeliver;
    private long _ack;

    /// <summary>A message the client published on the channel (routed or not).</summary>
    public void OnPublished() => _publish++;

    /// <summary>Publisher confirms (basic.ack) sent, <paramref name="count"/> messages at once.</summary>
    public void OnConfirmed(int count) => _confirm += count;

    /// <summary>A basic.deliver (<paramref name="get"/> false) or basic.get-ok written on the channel.</summary>
    public void OnDelivered(bool get, bool noAck, bool redelivered)
    {
        if (get)
        {
            if (noAck)
            {
                _getNoAck++;
            }
            else
            {
                _get++;
            }
        }
        else if (noAck)
        {
            _deliverNoAck++;
        }
        else
        {
            _deliver++;
        }

        if (redelivered)
        {
            _redeliver++;
        }
    }

    /// <summary>A basic.get that found the queue empty (counted by the reader, like publishes).</summary>
    public void OnGetEmpty() => _getEmpty++;

    /// <summary>Deliveries the client acknowledged, <paramref name="count"/> at once (basic.ack multiple).</summary>
    public void OnAcknowledged(int count) => _ack += count;

    public MessageStats Read() => new()
    {
        Publish = Volatile.Read(ref _publish),
        Confirm = Volatile.Read(ref _confirm),
        Deliver = Volatile.Read(ref _deliver),
        DeliverNoAck = Volatile.Read(ref _deliverNoAck),
        Get = Volatile.Read(ref _get),
        GetNoAck = Volatile.Read(ref _getNoAck),
        GetEmpty = Volatile.Read(ref _getEmpty),
        Redeliver = Volatile.Read(ref _redeliver),
        Ack = Volatile.Read(ref _ack),
    };
}
