namespace Courier.Amqp091.Channels;

/// <summary>
/// A channel's unsettled deliveries in delivery-tag order. Tags only grow, so entries are appended
/// at the tail; a single ack finds its entry by binary search and marks it settled, and settled
/// entries are dropped once they reach the head. "Multiple" acks take from the head. Guarded by
/// the channel's lock.
/// </summary>
internal sealed class UnackedDeliveries
{
    private Slot[] _slots = new Slot[16];
    private int _head;
    private int _count;

    public int Live { get; private set; }

    public void Add(in UnackedDelivery delivery)
    {
        if (_count == _slots.Length)
        {
            Grow();
        }

        _slots[(_head + _count) % _slots.Length] = new Slot(delivery);
        _count++;
        Live++;
    }

    /// <summary>Removes the delivery with this tag; false when it is unknown or already settled.</summary>
    public bool TryTake(ulong tag, out UnackedDelivery delivery)
    {
        var index = Find(tag);
        if (index < 0 || _slots[index].Settled)
        {
            delivery = default;
            return false;
        }

        delivery = _slots[index].Delivery;
        _slots[index] = _slots[index] with { Settled = true, Delivery = default };
        Live--;
        TrimHead();
        return true;
    }

    /// <summary>True when the tag names a live delivery.</summary>
    public bool Contains(ulong tag)
    {
        var index = Find(tag);
        return index >= 0 && !_slots[index].Settled;
    }

    /// <summary>Removes every live delivery with a tag up to and including <paramref name="tag"/>, in tag order.</summary>
    public void TakeUpTo(ulong tag, List<UnackedDelivery> output)
    {
        // The head is never a settled slot (TrimHead keeps it so), so each step takes a live delivery.
        while (_count > 0 && _slots[_head].Tag <= tag)
        {
            output.Add(_slots[_head].Delivery);
            Live--;
            _slots[_head] = default;
            _head = (_head + 1) % _slots.Length;
            _count--;
            TrimHead();
        }
    }

    /// <summary>Adds the tags of live deliveries up to and including <paramref name="tag"/> to <paramref name="output"/>.</summary>
    public void CollectTagsUpTo(ulong tag, ISet<ulong> output)
    {
        for (var i = 0; i < _count; i++)
        {
            ref var slot = ref _slots[(_head + i) % _slots.Length];
            if (slot.Tag > tag)
            {
                break;
            }

            if (!slot.Settled)
            {
                output.Add(slot.Tag);
            }
        }
    }

    /// <summary>Removes every live delivery, in tag order.</summary>
    public void TakeAll(List<UnackedDelivery> output) => TakeUpTo(ulong.MaxValue, output);

    private void TrimHead()
    {
        while (_count > 0 && _slots[_head].Settled)
        {
            _slots[_head] = default;
            _head = (_head + 1) % _slots.Length;
            _count--;
        }
    }

    private int Find(ulong tag)
    {
        var lo = 0;
        var hi = _count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var index = (_head + mid) % _slots.Length;
            var midTag = _slots[index].Tag;
            if (midTag == tag)
            {
                return index;
            }

            if (midTag < tag)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    private void Grow()
    {
        var bigger = new Slot[_slots.Length * 2];
        for (var i = 0; i < _count; i++)
        {
            bigger[i] = _slots[(_head + i) % _slots.Length];
        }

        _slots = bigger;
        _head = 0;
    }

    private readonly record struct Slot(ulong Tag, UnackedDelivery Delivery, bool Settled)
    {
        public Slot(UnackedDelivery delivery)
            : this(delivery.DeliveryTag, delivery, false)
        {
        }
    }
}
