using System.Collections.Concurrent;
using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Tests.Support;

/// <summary>A message store that keeps records in a dictionary and is durable at once: enough to watch what a queue stores.</summary>
internal sealed class InMemoryMessageStore : IMessageStore
{
    private readonly ConcurrentDictionary<long, Message> _messages = new();
    private long _lastId;

    public bool IsFailed => false;

    public int Loads;
    public int Paged;
    public ConcurrentBag<(int Queue, long Message)> Settled { get; } = [];
    public ConcurrentBag<(int Queue, long Message)> Delivered { get; } = [];

    public StoredMessage AppendMessage(Message message, ReadOnlySpan<int> queueIds) => Store(message);

    public StoredMessage AppendPaged(Message message)
    {
        Interlocked.Increment(ref Paged);
        return Store(message);
    }

    private StoredMessage Store(Message message)
    {
        var id = Interlocked.Increment(ref _lastId);
        _messages[id] = message;
        return new StoredMessage(id, new StoredLocation(1, (int)id, 1), id);
    }

    public IReadOnlyList<int> SegmentsWorthCompacting() => [];

    public int ReferencesIn(int segment) => 0;

    public StoredMessage Relocate(Message message, long messageId, ReadOnlySpan<int> queueIds, StoredLocation from, bool paged) =>
        new(messageId, from, 0);

    public long AppendSettle(int queueId, long messageId, StoredLocation location)
    {
        Settled.Add((queueId, messageId));
        return 0;
    }

    public long AppendDelivered(int queueId, long messageId, StoredLocation location)
    {
        Delivered.Add((queueId, messageId));
        return 0;
    }

    public void WhenDurable(long sequence, IDurabilityWaiter waiter) => waiter.OnDurable(sequence);

    public Message Load(long messageId, StoredLocation location)
    {
        Interlocked.Increment(ref Loads);
        return _messages[messageId];
    }
}
