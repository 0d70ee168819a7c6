using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.Resources;
using Courier.Core.Storage;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Queues;

/// <summary>A queue whose backlog the journal holds: memory keeps the head only, and order never changes.</summary>
public sealed class QueuePagingTests
{
    private const int Keep = ClassicQueue.KeptInMemoryWhilePaging;

    private static ClassicQueue DurableQueue(InMemoryMessageStore store, ResourceMonitor resources) =>
        new("q", "/", new QueueDefinition { Durable = true }, exclusiveOwner: null, storeId: 7, store, resources) { Pager = store };

    private static void EnqueueStored(ClassicQueue queue, InMemoryMessageStore store, string body)
    {
        var message = TestMessages.Create(body: body);
        queue.Enqueue(message, store.AppendMessage(message, [7]));
    }

    [Fact]
    public void A_persistent_backlog_holds_only_the_head_in_memory_and_delivers_in_order()
    {
        var store = new InMemoryMessageStore();
        using var resources = ResourceMonitor.Unlimited();
        var queue = DurableQueue(store, resources);
        var total = Keep * 3;
        for (var i = 0; i < total; i++)
        {
            EnqueueStored(queue, store, $"m{i}");
        }

        Assert.Equal(total, queue.MessageCount);
        Assert.Equal(Keep * "m0".Length, resources.MessageBytes, tolerance: Keep * 3);

        var sink = new RecordingSink();
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: true, exclusive: false, owner: TestSessions.New()));

        Assert.Equal(Enumerable.Range(0, total).Select(i => $"m{i}"), sink.Bodies);
        Assert.True(store.Loads >= total - Keep, $"paged messages are read back from the store ({store.Loads} loads)");
        Assert.Equal(0, resources.MessageBytes);
        Assert.Equal(total, store.Settled.Count);
    }

    [Fact]
    public void Requeued_messages_go_back_before_the_paged_backlog()
    {
        var store = new InMemoryMessageStore();
        using var resources = ResourceMonitor.Unlimited();
        var queue = DurableQueue(store, resources);
        for (var i = 0; i < Keep * 2; i++)
        {
            EnqueueStored(queue, store, $"m{i}");
        }

        var first = new RecordingSink(credit: 5);
        var consumer = new QueueConsumer("first", first, autoSettle: false, exclusive: false, owner: TestSessions.New());
        queue.AddConsumer(consumer);
        queue.RemoveConsumer(consumer);
        queue.Requeue([first.Delivered[3], first.Delivered[1]]);

        var second = new RecordingSink(credit: 4);
        queue.AddConsumer(new QueueConsumer("second", second, autoSettle: false, exclusive: false, owner: TestSessions.New()));

        Assert.Equal(["m1", "m3", "m5", "m6"], second.Bodies);
        Assert.True(second.Delivered[0].Redelivered);
        Assert.False(second.Delivered[2].Redelivered);
    }

    [Fact]
    public void Restored_messages_come_back_in_order_and_delivered_ones_are_redelivered()
    {
        var store = new InMemoryMessageStore();
        using var resources = ResourceMonitor.Unlimited();
        var recovered = new List<RecoveredMessage>();
        for (var i = 0; i < Keep + 10; i++)
        {
            var stored = store.AppendMessage(TestMessages.Create(body: $"r{i}"), [7]);
            recovered.Add(new RecoveredMessage(stored.Ref, Delivered: i == 0));
        }

        var queue = DurableQueue(store, resources);
        queue.Restore(store, recovered);
        var sink = new RecordingSink();
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: true, exclusive: false, owner: TestSessions.New()));

        Assert.Equal(Enumerable.Range(0, Keep + 10).Select(i => $"r{i}"), sink.Bodies);
        Assert.True(sink.Delivered[0].Redelivered);
        Assert.False(sink.Delivered[1].Redelivered);
    }

    [Fact]
    public void Transient_messages_are_paged_once_memory_is_short_and_keep_their_order()
    {
        var store = new InMemoryMessageStore();
        using var resources = new ResourceMonitor(new ResourceLimits { MemoryHighWatermark = 2 * Keep * 2, DiskFreeLimit = 0 }, TimeProvider.System, diskFree: null);
        var queue = new ClassicQueue("t", "/", new QueueDefinition(), exclusiveOwner: null, storeId: 0, store: null, resources) { Pager = store };
        var total = Keep * 4;
        for (var i = 0; i < total; i++)
        {
            queue.Enqueue(TestMessages.Create(body: $"{i % 100:D2}"));
        }

        Assert.True(store.Paged > 0, "transient messages were written out");
        Assert.False(resources.IsBlocked, "paging kept memory under the watermark");
        var sink = new RecordingSink();
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: true, exclusive: false, owner: TestSessions.New()));
        Assert.Equal(Enumerable.Range(0, total).Select(i => $"{i % 100:D2}"), sink.Bodies);
        Assert.Equal(0, resources.MessageBytes);
    }

    [Fact]
    public void A_transient_backlog_past_the_per_queue_limit_is_paged_without_memory_pressure()
    {
        var store = new InMemoryMessageStore();
        var limit = Keep * 2;
        using var resources = new ResourceMonitor(new ResourceLimits { QueueReadyInMemory = limit, DiskFreeLimit = 0 }, TimeProvider.System, diskFree: null);
        var queue = new ClassicQueue("t", "/", new QueueDefinition(), exclusiveOwner: null, storeId: 0, store: null, resources) { Pager = store };
        var total = limit * 3;
        for (var i = 0; i < total; i++)
        {
            queue.Enqueue(TestMessages.Create(body: $"{i % 100:D2}"));
        }

        Assert.False(resources.IsPaging);
        Assert.Equal(total - limit, store.Paged);
        Assert.Equal(limit * 2, resources.MessageBytes); // 2-byte bodies: only the first `limit` stay in memory
        Assert.Equal(total, queue.MessageCount);

        var sink = new RecordingSink();
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: true, exclusive: false, owner: TestSessions.New()));
        Assert.Equal(Enumerable.Range(0, total).Select(i => $"{i % 100:D2}"), sink.Bodies);
        Assert.Equal(0, resources.MessageBytes);
    }

    [Fact]
    public void An_empty_transient_message_behind_a_paged_backlog_keeps_its_place()
    {
        // Paging an empty body frees no bytes: it must still count as paged, or it would overtake.
        var store = new InMemoryMessageStore();
        using var resources = new ResourceMonitor(new ResourceLimits { QueueReadyInMemory = Keep, DiskFreeLimit = 0 }, TimeProvider.System, diskFree: null);
        var queue = new ClassicQueue("t", "/", new QueueDefinition(), exclusiveOwner: null, storeId: 0, store: null, resources) { Pager = store };
        for (var i = 0; i < Keep * 2; i++)
        {
            queue.Enqueue(TestMessages.Create(body: $"{i:D4}"));
        }

        queue.Enqueue(TestMessages.Create(body: ""));

        var sink = new RecordingSink();
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: true, exclusive: false, owner: TestSessions.New()));
        Assert.Equal([.. Enumerable.Range(0, Keep * 2).Select(i => $"{i:D4}"), ""], sink.Bodies);
    }

    [Fact]
    public void Without_a_per_queue_limit_or_memory_pressure_transient_messages_stay_in_memory()
    {
        var store = new InMemoryMessageStore();
        using var resources = ResourceMonitor.Unlimited();
        var queue = new ClassicQueue("t", "/", new QueueDefinition(), exclusiveOwner: null, storeId: 0, store: null, resources) { Pager = store };
        for (var i = 0; i < Keep * 4; i++)
        {
            queue.Enqueue(TestMessages.Create(body: "xx"));
        }

        Assert.Equal(0, store.Paged);
        Assert.Equal(Keep * 4 * 2, resources.MessageBytes);
    }

    [Fact]
    public void Purging_settles_the_paged_backlog_too()
    {
        var store = new InMemoryMessageStore();
        using var resources = ResourceMonitor.Unlimited();
        var queue = DurableQueue(store, resources);
        for (var i = 0; i < Keep + 50; i++)
        {
            EnqueueStored(queue, store, $"m{i}");
        }

        Assert.Equal(Keep + 50, queue.Purge());
        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(Keep + 50, store.Settled.Count);
        Assert.Equal(0, resources.MessageBytes);
    }
}
