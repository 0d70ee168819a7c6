using System.Diagnostics;
using Courier.Core.Queues;

namespace Courier.Stomp.Server;

/// <summary>
/// One subscription's unacknowledged deliveries in tag order: appended as they go out, taken one
/// by one (<c>client-individual</c>) or every one up to a tag (<c>client</c>, cumulative).
/// </summary>
/// <remarks>
/// Tags only grow (the connection numbers its deliveries under its delivery gate), so the entries
/// are two parallel arrays sorted by tag: a delivery is found by binary search, appended at the
/// end, and a cumulative ACK moves the start past what it took. A delivery taken from the middle
/// leaves a hole (a null message) that the start skips once it gets there, and the arrays are
/// compacted when an append finds them full. No allocation per delivery, unlike a sorted tree
/// (which cost a fanout run as much CPU as encoding its MESSAGE frames). Not thread-safe: the
/// connection's delivery gate guards it.
/// </remarks>
internal sealed class StompUnackedDeliveries
{
    private ulong[] _tags = [];
    private QueuedMessage?[] _messages = [];
    private int _start;
    private int _end;

    /// <summary>Deliveries not yet taken.</summary>
    public int Count { get; private set; }

    /// <param name="tag">Larger than every tag added before.</param>
    public void Add(ulong tag, QueuedMessage message)
    {
        Debug.Assert(_end == _start || _tags[_end - 1] < tag, "tags are added in increasing order");
        if (_end == _tags.Length)
        {
            MakeRoom();
        }

        _tags[_end] = tag;
        _messages[_end] = message;
        _end++;
        Count++;
    }

    public bool Contains(ulong tag) => IndexOf(tag) >= 0;

    /// <summary>Takes one delivery; false if it is not (or no longer) here.</summary>
    public bool Remove(ulong tag, out QueuedMessage? message)
    {
        var index = IndexOf(tag);
        if (index < 0)
        {
            message = null;
            return false;
        }

        message = _messages[index];
        _messages[index] = null;
        Taken(1);
        return true;
    }

    /// <summary>Takes every delivery up to <paramref name="tag"/> (inclusive), in tag order, into <paramref name="into"/>.</summary>
    public void RemoveUpTo(ulong tag, List<QueuedMessage> into)
    {
        var taken = 0;
        for (; _start < _end && _tags[_start] <= tag; _start++)
        {
            if (_messages[_start] is { } message)
            {
                into.Add(message);
                _messages[_start] = null;
                taken++;
            }
        }

        Taken(taken);
    }

    /// <summary>Takes every delivery, in tag order.</summary>
    public List<QueuedMessage> RemoveAll()
    {
        var all = new List<QueuedMessage>(Count);
        RemoveUpTo(ulong.MaxValue, all);
        return all;
    }

    private void Taken(int count)
    {
        Count -= count;
        if (Count == 0)
        {
            Array.Clear(_messages, _start, _end - _start);
            _start = _end = 0;
            return;
        }

        while (_messages[_start] is null)
        {
            _start++;
        }
    }

    private int IndexOf(ulong tag)
    {
        var index = Array.BinarySearch(_tags, _start, _end - _start, tag);
        return index >= 0 && _messages[index] is not null ? index : -1;
    }

    /// <summary>Moves the live entries to the front, and doubles the arrays when they stay over half full.</summary>
    private void MakeRoom()
    {
        var live = 0;
        for (var i = _start; i < _end; i++)
        {
            if (_messages[i] is { } message)
            {
                _tags[live] = _tags[i];
                _messages[live] = message;
                live++;
            }
        }

        Array.Clear(_messages, live, _end - live);
        _start = 0;
        _end = live;
        if (live * 2 >= _tags.Length)
        {
            var capacity = Math.Max(16, _tags.Length * 2);
            Array.Resize(ref _tags, capacity);
            Array.Resize(ref _messages, capacity);
        }
    }
}
