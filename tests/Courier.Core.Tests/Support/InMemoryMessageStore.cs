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
        return new StoredMessage(new MessageRef(id, locator: id, length: message.Body.Length), id);
    }

    public int Compact(IMessageHolders holders) => 0;

    public long AppendSettle(int queueId, MessageRef message)
    {
        Settled.Add((queueId, message.Id));
        return 0;
    }

    public long AppendDelivered(int queueId, MessageRef message, int deliveryCount = 1)
    {
        Delivered.Add((queueId, message.Id));
        return 0;
    }

    public void WhenDurable(long sequence, IDurabilityWaiter waiter) => waiter.OnDurable(sequence);

    public Message Load(MessageRef message)
    {
        Interlocked.Increment(ref Loads);
        return _messages[message.Id];
    }
}
