using System.Text;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Resources;
using Courier.Core.Storage;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Queues;

/// <summary>
/// A priority queue pages like any other: its backlog lives in the journal, one FIFO per priority,
/// and it still delivers higher priorities first and FIFO within a priority.
/// </summary>
public sealed class QueuePriorityPagingTests
{
    private const int Keep = ClassicQueue.KeptInMemoryWhilePaging;
    private const byte MaxPriority = 5;

    private static ClassicQueue PriorityQueue(InMemoryMessageStore store, ResourceMonitor resources) =>
        new("pq", "/", new QueueDefinition { Durable = true }, exclusiveOwner: null, storeId: 7, store, resources,
            new QueueArguments { MaxPriority = MaxPriority }, host: null) { Pager = store };

    private static Message Create(int priority, int arrival) =>
        new("x", "pq", new MessageProperties { Priority = (byte)priority }, Encoding.UTF8.GetBytes($"{priority}:{arrival}"));

    private static (int Priority, int Arrival) Parse(QueuedMessage message)
    {
        var text = message.BodyText().Split(':');
        return (int.Parse(text[0]), int.Parse(text[1]));
    }

    /// <summary>The model's order: priority (capped at the maximum) high to low, then arrival.</summary>
    private static (int Level, int Arrival) Key(int priority, int arrival) => (MaxPriority - Math.Min(priority, MaxPriority), arrival);

    [Fact]
    public void A_persistent_priority_backlog_holds_only_the_head_in_memory_and_delivers_by_priority_then_arrival()
    {
        var store = new InMemoryMessageStore();
        using var resources = ResourceMonitor.Unlimited();
        var queue = PriorityQueue(store, resources);
        var random = new Random(11);
        var total = Keep * 3;
        var priorities = new int[total];
        for (var i = 0; i < total; i++)
        {
            priorities[i] = random.Next(0, MaxPriority + 3);
            var message = Create(priorities[i], i);
            queue.Enqueue(message, store.AppendMessage(message, [7]));
        }

        Assert.Equal(total, queue.MessageCount);
        Assert.True(resources.MessageBytes <= (Keep + 1) * 8, $"only the head is in memory ({resources.MessageBytes} bytes)");

        var sink = new RecordingSink();
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: true, exclusive: false, owner: TestSessions.New()));

        var expected = Enumerable.Range(0, total).OrderBy(i => Key(priorities[i], i)).Select(i => $"{priorities[i]}:{i}");
        Assert.Equal(expected, sink.Bodies);
        Assert.True(store.Loads >= total - Keep, $"the backlog is read back from the store ({store.Loads} loads)");
        Assert.Equal(0, resources.MessageBytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Publishes_credit_requeues_and_page_outs_in_any_order_always_deliver_the_first_ready_message(int seed)
    {
        var store = new InMemoryMessageStore();
        using var resources = ResourceMonitor.Unlimited();
        var queue = PriorityQueue(store, resources);
        var random = new Random(seed);
        var sink = new RecordingSink(credit: 0);
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: false, exclusive: false, owner: TestSessions.New()));

        var ready = new SortedSet<(int Level, int Arrival)>();
        var outstanding = new List<QueuedMessage>();
        var checkedUpTo = 0;
        var arrival = 0;
        var pagedAtSomePoint = false;

        void Check()
        {
            for (; checkedUpTo < sink.Delivered.Count; checkedUpTo++)
            {
                var delivered = sink.Delivered[checkedUpTo];
                var (priority, at) = Parse(delivered);
                Assert.True(ready.Count > 0, $"{priority}:{at} was delivered with nothing ready");
                Assert.Equal(ready.Min, Key(priority, at));
                ready.Remove(ready.Min);
                outstanding.Add(delivered);
            }
        }

        for (var step = 0; step < Keep * 12; step++)
        {
            var roll = random.Next(100);
            // Publishes outpace credit, so the backlog passes the in-memory head and pages.
            if (roll < 75)
            {
                var priority = random.Next(0, MaxPriority + 2);
                var message = Create(priority, arrival);
                ready.Add(Key(priority, arrival));
                arrival++;
                queue.Enqueue(message, store.AppendMessage(message, [7]));
            }
            else if (roll < 87)
            {
                sink.Credit += random.Next(1, 7);
                queue.Dispatch();
            }
            else if (roll < 92 && outstanding.Count > 0)
            {
                var settled = outstanding.Take(random.Next(1, outstanding.Count + 1)).ToList();
                outstanding.RemoveRange(0, settled.Count);
                foreach (var message in settled)
                {
                    queue.Settle(message);
                }
            }
            else if (roll < 97 && outstanding.Count > 0)
            {
                var requeued = outstanding.Where(_ => random.Next(2) == 0).ToList();
                foreach (var message in requeued)
                {
                    outstanding.Remove(message);
                    var (priority, at) = Parse(message);
                    ready.Add(Key(priority, at));
                }

                queue.Requeue(requeued);
            }
            else
            {
                queue.PageOut();
            }

            Check();
            Assert.Equal(ready.Count, queue.MessageCount);
            pagedAtSomePoint |= resources.MessageBytes < ready.Count * 3;
        }

        Assert.True(pagedAtSomePoint, "the backlog was paged at some point");

        sink.Credit = int.MaxValue;
        queue.Dispatch();
        Check();
        Assert.Empty(ready);
    }

    [Fact]
    public void Restored_priority_messages_stay_in_the_journal_until_read_ahead_and_come_back_in_priority_order()
    {
        var store = new InMemoryMessageStore();
        using var resources = ResourceMonitor.Unlimited();
        var random = new Random(5);
        var total = Keep * 3;
        var priorities = new int[total];
        var recovered = new List<RecoveredMessage>();
        for (var i = 0; i < total; i++)
        {
            priorities[i] = random.Next(0, MaxPriority + 1);
            var stored = store.AppendMessage(Create(priorities[i], i), [7]);
            recovered.Add(new RecoveredMessage(stored.Ref, Delivered: i % 7 == 0));
        }

        var queue = PriorityQueue(store, resources);
        queue.Restore(store, recovered);
        Assert.Equal(total, queue.MessageCount);
        Assert.Equal(0, resources.MessageBytes);

        var sink = new RecordingSink();
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: true, exclusive: false, owner: TestSessions.New()));

        var expected = Enumerable.Range(0, total).OrderBy(i => Key(priorities[i], i)).ToList();
        Assert.Equal(expected.Select(i => $"{priorities[i]}:{i}"), sink.Bodies);
        Assert.Equal(expected.Select(i => i % 7 == 0), sink.Delivered.Select(m => m.Redelivered));
    }
}
