using Courier.Core.Queues;
using Courier.Core.Resources;
using Courier.Core.Storage;
using Courier.Core.Tests.Support;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.Core.Tests.Queues;

/// <summary>
/// Paged messages are read back ahead of delivery, outside the queue's lock: a slow or failing
/// disk never holds the lock, order is kept, and bodies read for messages that went away are dropped.
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

    /// <summary>Persistent messages m0.. : the first <see cref="Keep"/> stay in memory, the rest only in the store.</summary>
    private void EnqueueStored(int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var message = TestMessages.Create(body: $"m{i}");
            _queue.Enqueue(message, _store.AppendMessage(message, [7]));
        }
    }

    private static IEnumerable<string> Bodies(int from, int count) => Enumerable.Range(from, count).Select(i => $"m{i}");

    private QueueConsumer Consumer(RecordingSink sink) => new("c", sink, autoSettle: true, exclusive: false, owner: TestSessions.New());

    /// <summary>What compaction does to the holders of messages it copied forward: points them at segment 2.</summary>
    private void MoveToSegment2(long firstId, long lastId)
    {
        var holder = (IJournalHolder)_queue;
        var moved = new Dictionary<long, StoredLocation>();
        for (var id = firstId; id <= lastId; id++)
        {
            moved[id] = new StoredLocation(2, (int)id, 1);
        }

        holder.EnterLock();
        try
        {
            holder.MoveLocked(1, moved);
        }
        finally
        {
            holder.ExitLock();
        }
    }

    private Task DrainedAsync() => Wait.UntilAsync(() => _queue.MessageCount == 0, "the queue delivered everything");

    private Task ReadAheadDoneAsync() => Wait.UntilAsync(() => !_queue.IsReadingAhead, "the read-ahead finished");

    [Fact]
    public void A_message_only_the_journal_holds_is_never_read_by_asking_for_it()
    {
        var stored = _store.AppendMessage(TestMessages.Create(body: "m0"), [7]);
        var queued = new QueuedMessage(_store, stored.MessageId, stored.Location, sequence: 0, redelivered: false, pagedTransient: false);

        Assert.False(queued.IsLoaded);
        Assert.Throws<InvalidOperationException>(() => queued.Message);
        Assert.Equal(0, _store.Loads);
    }

    [Fact]
    public async Task A_backlog_many_read_aheads_long_is_delivered_complete_in_order_and_read_once()
    {
        var total = (Keep * 3) + 17;
        EnqueueStored(0, total);
        var sink = new RecordingSink();

        _queue.AddConsumer(Consumer(sink));
        await DrainedAsync();

        Assert.Equal(Bodies(0, total), sink.Bodies);
        Assert.Equal(total - Keep, _store.Loads);
        Assert.Equal(0, _resources.MessageBytes);
    }

    [Fact]
    public async Task A_consumer_out_of_credit_leaves_the_rest_of_the_backlog_on_disk()
    {
        EnqueueStored(0, Keep + 600);
        var sink = new RecordingSink(credit: Keep + 1);

        _queue.AddConsumer(Consumer(sink));
        await Wait.UntilAsync(() => _queue.MessageCount == 599, "the consumer took all its credit");
        await ReadAheadDoneAsync();

        // One batch was read (the consumer took the first of it); nothing reads on without a taker.
        Assert.Equal(ClassicQueue.ReadAheadMessages, _store.Loads);
        Assert.Equal((ClassicQueue.ReadAheadMessages - 1) * "m1025".Length, _resources.MessageBytes);
    }

    [Fact]
    public async Task A_load_held_by_the_disk_does_not_hold_the_queue_lock()
    {
        EnqueueStored(0, Keep * 2);
        _store.Hold();
        var sink = new RecordingSink();

        // Delivers the head in memory, then reaches the backlog, whose first read the disk holds.
        var adding = Task.Run(() => _queue.AddConsumer(Consumer(sink)));
        await Wait.ForAsync(_store.LoadStarted, "a read of the backlog");

        var count = await Wait.ForAsync(
            Task.Run(() =>
            {
                EnqueueStored(Keep * 2, 1);
                return _queue.MessageCount;
            }),
            "an enqueue and a count while a read is held");

        Assert.Equal(Keep + 1, count);
        Assert.True(_store.IsLoading, "the read was still held");
        await Wait.ForAsync(adding, "adding the consumer");

        _store.Release();
        await DrainedAsync();
        Assert.Equal(Bodies(0, (Keep * 2) + 1), sink.Bodies);
    }

    [Fact]
    public async Task Basic_get_of_paged_messages_reads_them_outside_the_lock_in_order()
    {
        var recovered = new List<RecoveredMessage>();
        for (var i = 0; i < 10; i++)
        {
            var stored = _store.AppendMessage(TestMessages.Create(body: $"m{i}"), [7]);
            recovered.Add(new RecoveredMessage(stored.MessageId, stored.Location, Delivered: false));
        }

        _queue.Restore(_store, recovered);
        _store.Hold();
        var getting = Task.Run(() => (Left: _queue.TryGet(autoSettle: true, out var message), Message: message));
        await Wait.ForAsync(_store.LoadStarted, "the get's read");

        Assert.Equal(10, await Wait.ForAsync(Task.Run(() => _queue.MessageCount), "a count while the get reads"));
        _store.Release();
        var (left, first) = await Wait.ForAsync(getting, "the get");

        Assert.Equal(9, left);
        Assert.Equal("m0", first!.BodyText());
        var rest = new List<string>();
        while (_queue.TryGet(autoSettle: true, out var next) > 0 || next is not null)
        {
            rest.Add(next!.BodyText());
        }

        Assert.Equal(Bodies(1, 9), rest);
        Assert.Equal(0, _resources.MessageBytes);
        Assert.Equal(10, _store.Settled.Count);
    }

    [Fact]
    public async Task Purging_while_a_read_ahead_is_held_drops_the_late_bodies()
    {
        EnqueueStored(0, Keep * 2);
        _store.Hold();
        var sink = new RecordingSink();
        _queue.AddConsumer(Consumer(sink));
        await Wait.ForAsync(_store.LoadStarted, "a read of the backlog");

        Assert.Equal(Keep, _queue.Purge());
        _store.Release();
        await ReadAheadDoneAsync();

        Assert.Equal(Bodies(0, Keep), sink.Bodies);
        Assert.Equal(0, _resources.MessageBytes);
        Assert.Equal(Keep * 2, _store.Settled.Count);
    }

    [Fact]
    public async Task Deleting_while_a_read_ahead_is_held_drops_the_late_bodies()
    {
        EnqueueStored(0, Keep * 2);
        _store.Hold();
        var sink = new RecordingSink();
        _queue.AddConsumer(Consumer(sink));
        await Wait.ForAsync(_store.LoadStarted, "a read of the backlog");

        Assert.Equal(Keep, _queue.Delete());
        _store.Release();
        await ReadAheadDoneAsync();

        Assert.Equal(Bodies(0, Keep), sink.Bodies);
        Assert.Equal(1, sink.Cancellations);
        Assert.Equal(0, _resources.MessageBytes);
        Assert.Equal(Keep * 2, _store.Settled.Count);
    }

    [Fact]
    public async Task A_message_moved_by_compaction_during_its_read_is_read_again_from_its_new_place()
    {
        EnqueueStored(0, Keep + 5);
        _store.Hold();
        var sink = new RecordingSink();
        _queue.AddConsumer(Consumer(sink));
        await Wait.ForAsync(_store.LoadStarted, "a read of the backlog");

        MoveToSegment2(Keep + 1, Keep + 5);
        _store.Release();
        await DrainedAsync();

        Assert.Equal(Bodies(0, Keep + 5), sink.Bodies);
        Assert.Equal(10, _store.Loads); // the five read from the old place were dropped and read again
        Assert.Equal(0, _resources.MessageBytes);
    }

    [Fact]
    public async Task A_read_that_fails_because_compaction_moved_the_message_is_retried_not_reported()
    {
        var failures = 0;
        _resources.LoadFailed += _ => Interlocked.Increment(ref failures);
        EnqueueStored(0, Keep + 5);
        _store.Hold();
        var sink = new RecordingSink();
        _queue.AddConsumer(Consumer(sink));
        await Wait.ForAsync(_store.LoadStarted, "a read of the backlog");

        // The held read is of a segment compaction copies forward and deletes meanwhile.
        _store.FailNextLoad();
        MoveToSegment2(Keep + 1, Keep + 5);
        _store.Release();
        await DrainedAsync();

        Assert.Equal(Bodies(0, Keep + 5), sink.Bodies);
        Assert.Equal(1, _store.Failures);
        Assert.Equal(0, failures);
        Assert.Equal(0, _resources.MessageBytes);
    }

    [Fact]
    public async Task A_failed_read_leaves_the_message_queued_and_reports_it()
    {
        var failures = 0;
        _resources.LoadFailed += _ => Interlocked.Increment(ref failures);
        EnqueueStored(0, Keep + 5);
        _store.FailLoads = true;
        var sink = new RecordingSink();

        _queue.AddConsumer(Consumer(sink));
        await Wait.UntilAsync(() => Volatile.Read(ref failures) > 0, "the failure was reported");
        await ReadAheadDoneAsync();

        Assert.Equal(5, _queue.MessageCount);
        Assert.Equal(Bodies(0, Keep), sink.Bodies);
        Assert.Throws<StoreFailedException>(() => _queue.TryGet(autoSettle: true, out _));
        Assert.Equal(5, _queue.MessageCount);

        // The disk is back: the next dispatch reads ahead again and delivers the rest, in order.
        _store.FailLoads = false;
        _queue.Dispatch();
        await DrainedAsync();
        Assert.Equal(Bodies(0, Keep + 5), sink.Bodies);
        Assert.Equal(0, _resources.MessageBytes);
    }
}
