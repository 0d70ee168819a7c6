using Courier.Core.Queues;
using Courier.Core.Resources;
using Courier.Core.Storage;
using Courier.Core.Tests.Support;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.Core.Tests.Queues;

/// <summary>
/// Paged messages are read back in batches, outside the queue's lock, by the thread that dispatches:
/// order is kept (requeues included), a held or failing disk never holds the lock, and a batch
/// purged or deleted while it is being read is settled exactly once.
/// </summary>
public sealed class QueueReadAheadTests : IDisposable
{
    private const int Keep = ClassicQueue.KeptInMemoryWhilePaging;

    private readonly GatedMessageStore _store = new();
    private readonly ResourceMonitor _resources = ResourceMonitor.Unlimited();
    private readonly ClassicQueue _queue;

    public QueueReadAheadTests()
    {
        _queue = new ClassicQueue("q", "/", new QueueDefinition { Durable = true }, exclusiveOwner: null, storeId: 7, _store, _resources) { Pager = _store };
    }

    public void Dispose()
    {
        _store.Dispose();
        _resources.Dispose();
    }

    /// <summary>Persistent messages m{from}..: the first <see cref="Keep"/> of a queue stay in memory, the rest only in the store.</summary>
    private void EnqueueStored(int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var message = TestMessages.Create(body: $"m{i}");
            _queue.Enqueue(message, _store.AppendMessage(message, [7]));
        }
    }

    private void Restore(int count)
    {
        var recovered = new List<RecoveredMessage>();
        for (var i = 0; i < count; i++)
        {
            recovered.Add(new RecoveredMessage(_store.AppendMessage(TestMessages.Create(body: $"m{i}"), [7]).Ref, Delivered: false));
        }

        _queue.Restore(_store, recovered);
    }

    private static IEnumerable<string> Bodies(int from, int count) => Enumerable.Range(from, count).Select(i => $"m{i}");

    private static QueueConsumer Consumer(RecordingSink sink, bool autoSettle = true) =>
        new("c", sink, autoSettle, exclusive: false, owner: TestSessions.New());

    [Fact]
    public void A_backlog_several_batches_long_is_delivered_complete_in_order_and_read_once()
    {
        var total = (Keep * 3) + 17;
        EnqueueStored(0, total);
        var sink = new RecordingSink();

        _queue.AddConsumer(Consumer(sink));

        Assert.Equal(Bodies(0, total), sink.Bodies);
        Assert.Equal(total - Keep, _store.Loads);
        Assert.Equal(0, _queue.MessageCount);
        Assert.Equal(total, _store.Settled.Distinct().Count());
        Assert.Equal(0, _resources.MessageBytes);
    }

    [Fact]
    public void Requeued_messages_go_back_to_their_places_ahead_of_batches_read_since()
    {
        var total = Keep * 3;
        EnqueueStored(0, total);
        var first = new RecordingSink(credit: 700);
        var consumer = Consumer(first, autoSettle: false);

        // 700 delivered: the head fell below half, so the next batch was read in behind it.
        _queue.AddConsumer(consumer);
        Assert.Equal(ClassicQueue.ReadAheadMessages, _store.Loads);
        _queue.Requeue([first.Delivered[650], first.Delivered[100]]);
        foreach (var delivered in first.Delivered.Where(m => m.BodyText() is not ("m100" or "m650")))
        {
            _queue.Settle(delivered);
        }

        var second = new RecordingSink();
        _queue.RemoveConsumer(consumer);
        _queue.AddConsumer(Consumer(second));

        Assert.Equal(["m100", "m650", .. Bodies(700, total - 700)], second.Bodies);
        Assert.True(second.Delivered[0].Redelivered);
        Assert.False(second.Delivered[2].Redelivered);
        Assert.Equal(total - Keep, _store.Loads);
        Assert.Equal(0, _resources.MessageBytes);
    }

    [Fact]
    public async Task A_load_the_disk_holds_does_not_block_another_consumers_ack_or_a_publish_on_the_same_queue()
    {
        EnqueueStored(0, Keep * 2);
        var acker = new RecordingSink(credit: 1);
        _queue.AddConsumer(new QueueConsumer("acker", acker, autoSettle: false, exclusive: false, owner: TestSessions.New()));
        _store.Hold();

        // The reader takes the rest of the head, then reads the next batch itself: the disk holds it.
        var reader = new RecordingSink();
        var adding = Task.Run(() => _queue.AddConsumer(Consumer(reader)));
        await Wait.ForAsync(_store.LoadStarted, "a read of the backlog");

        var (settled, count) = await Wait.ForAsync(
            Task.Run(() =>
            {
                _queue.Settle(acker.Delivered[0]);
                EnqueueStored(Keep * 2, 1);
                return (_queue.UnsettledCount, _queue.MessageCount);
            }),
            "an ack, a publish and a count while a read is held");

        Assert.True(_store.IsLoading, "the read was still held");
        Assert.Equal(0, settled);
        Assert.Equal(Keep + 1, count);
        Assert.False(adding.IsCompleted);

        _store.Release();
        await Wait.ForAsync(adding, "the read-ahead");
        await Wait.UntilAsync(() => _queue.MessageCount == 0, "the queue delivered everything");
        Assert.Equal(Bodies(1, Keep * 2), reader.Bodies);
    }

    [Fact]
    public async Task Messages_published_while_the_last_batch_is_out_wait_behind_it_in_memory_without_being_paged()
    {
        EnqueueStored(0, Keep + 100);
        _store.Hold();
        var sink = new RecordingSink();
        var adding = Task.Run(() => _queue.AddConsumer(Consumer(sink)));
        await Wait.ForAsync(_store.LoadStarted, "the read of the last 100");

        var count = await Wait.ForAsync(
            Task.Run(() =>
            {
                EnqueueStored(Keep + 100, 1);
                _queue.Enqueue(TestMessages.Create(body: $"m{Keep + 101}"));
                return _queue.MessageCount;
            }),
            "two publishes while the batch is out");

        Assert.Equal(102, count);
        Assert.Equal(0, _store.Paged);
        Assert.Equal(Keep, sink.Delivered.Count);

        _store.Release();
        await Wait.ForAsync(adding, "the read-ahead");
        Assert.Equal(Bodies(0, Keep + 102), sink.Bodies);
        Assert.Equal(100, _store.Loads);
    }

    /// <summary>Two heads' worth; a consumer takes the first from memory, then the disk holds its read of the next batch.</summary>
    private async Task<(RecordingSink Sink, Task Adding)> ConsumeUntilTheDiskHoldsAReadAsync()
    {
        EnqueueStored(0, Keep * 2);
        _store.Hold();
        var sink = new RecordingSink();
        var adding = Task.Run(() => _queue.AddConsumer(Consumer(sink)));
        await Wait.ForAsync(_store.LoadStarted, "a read of the backlog");
        return (sink, adding);
    }

    [Fact]
    public async Task Purging_while_a_batch_is_being_read_settles_that_batch_once_when_it_comes_back()
    {
        var (sink, adding) = await ConsumeUntilTheDiskHoldsAReadAsync();

        var purged = await Wait.ForAsync(Task.Run(_queue.Purge), "a purge while a read is held");

        Assert.Equal(Keep, purged);
        Assert.Equal(0, _queue.MessageCount);
        _store.Release();
        await Wait.ForAsync(adding, "the read-ahead");

        Assert.Equal(Bodies(0, Keep), sink.Bodies);
        Assert.Equal(Keep * 2, _store.Settled.Count);
        Assert.Equal(Keep * 2, _store.Settled.Distinct().Count());
        Assert.Equal(0, _queue.MessageCount);
        Assert.Equal(0, _resources.MessageBytes);

        // New messages after the purge are delivered, not held behind the settled batch.
        EnqueueStored(Keep * 2, 3);
        Assert.Equal([.. Bodies(0, Keep), .. Bodies(Keep * 2, 3)], sink.Bodies);
    }

    [Fact]
    public async Task Deleting_while_a_batch_is_being_read_settles_that_batch_once_when_it_comes_back()
    {
        var (sink, adding) = await ConsumeUntilTheDiskHoldsAReadAsync();

        var dropped = await Wait.ForAsync(Task.Run(_queue.Delete), "a delete while a read is held");

        Assert.Equal(Keep, dropped);
        Assert.Equal(1, sink.Cancellations);
        _store.Release();
        await Wait.ForAsync(adding, "the read-ahead");

        Assert.Equal(Keep * 2, _store.Settled.Count);
        Assert.Equal(Keep * 2, _store.Settled.Distinct().Count());
        Assert.Equal(0, _queue.MessageCount);
        Assert.Equal(0, _resources.MessageBytes);
    }

    [Fact]
    public void Recovered_messages_are_read_for_a_get_in_order()
    {
        Restore(10);

        foreach (var expected in Bodies(0, 10))
        {
            Assert.NotEqual(-1, _queue.TryGet(autoSettle: true, out var message));
            Assert.Equal(expected, message!.BodyText());
        }

        Assert.Equal(0, _queue.TryGet(autoSettle: true, out var none));
        Assert.Null(none);
        Assert.Equal(10, _store.Loads);
    }

    [Fact]
    public void A_failed_read_leaves_the_messages_queued_and_the_next_dispatch_reads_them()
    {
        Restore(10);
        _store.FailLoads = true;

        Assert.Throws<StoreFailedException>(() => _queue.TryGet(autoSettle: true, out _));
        var sink = new RecordingSink();
        _queue.AddConsumer(Consumer(sink));
        Assert.Empty(sink.Delivered);
        Assert.Equal(10, _queue.MessageCount);

        _store.FailLoads = false;
        _queue.Dispatch();

        Assert.Equal(Bodies(0, 10), sink.Bodies);
        Assert.Equal(0, _queue.MessageCount);
    }

    [Fact]
    public void Paging_out_under_memory_pressure_moves_the_tail_behind_the_head_and_keeps_order()
    {
        var queue = new ClassicQueue("t", "/", new QueueDefinition(), exclusiveOwner: null, storeId: 0, store: null, _resources) { Pager = _store };
        for (var i = 0; i < Keep * 2; i++)
        {
            queue.Enqueue(TestMessages.Create(body: $"m{i}"));
        }

        var before = _resources.MessageBytes;
        Assert.True(queue.PageOut() > 0);
        Assert.True(_resources.MessageBytes < before);
        Assert.Equal(Keep * 2, queue.MessageCount);

        queue.Enqueue(TestMessages.Create(body: $"m{Keep * 2}"));
        var sink = new RecordingSink();
        queue.AddConsumer(Consumer(sink));

        Assert.Equal(Bodies(0, (Keep * 2) + 1), sink.Bodies);
        Assert.Equal(Keep + 1, _store.Loads);
        Assert.Equal(0, _resources.MessageBytes);
    }
}
