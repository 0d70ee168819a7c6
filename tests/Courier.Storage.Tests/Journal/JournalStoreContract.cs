using Courier.Core.Messages;
using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// What every journal device must let <see cref="JournalMessageStore"/> promise, run once per
/// device (like nats-server's <c>testAllStoreAllPermutations</c>): a concrete class says how to
/// open the device over the same storage again, and what a stop loses (the memory device forgets
/// everything that was not synced; files keep what the process wrote).
/// </summary>
/// <remarks>
/// Every store here is opened the way the broker opens it: <see cref="JournalMessageStore.Recover"/>
/// first, then appends. The device is wrapped in an <see cref="ObservedDevice"/> to count syncs and
/// to hold a sync open while the test looks at the waiters.
/// </remarks>
public abstract partial class JournalStoreContract : IDisposable
{
    private JournalOptions _options = new();
    private ObservedDevice? _device;
    private JournalMessageStore? _store;

    protected ObservedDevice Device => _device ?? throw new InvalidOperationException("no store is open");

    protected JournalMessageStore Store => _store ?? throw new InvalidOperationException("no store is open");

    protected StoreRecovery Recovery { get; private set; } = null!;

    /// <summary>A device over this test's storage; each call sees what earlier devices left.</summary>
    protected abstract IJournalDevice OpenDevice();

    /// <summary>Called after a store stopped, before it is opened again: drop whatever a power loss would.</summary>
    protected abstract void AfterStop();

    protected StoreRecovery Start(JournalOptions? options = null)
    {
        _options = options ?? new JournalOptions();
        _device = new ObservedDevice(OpenDevice());
        _store = new JournalMessageStore(_device, _options, NullLogger.Instance);
        Recovery = _store.Recover();
        return Recovery;
    }

    /// <summary>Stops the store, loses what a stop loses, and opens and recovers it again with the same options.</summary>
    protected StoreRecovery Restart()
    {
        Stop();
        AfterStop();
        return Start(_options);
    }

    private void Stop()
    {
        _device?.ReleaseFlushes();
        _store?.Dispose();
        _store = null;
        _device = null;
    }

    public virtual void Dispose()
    {
        Stop();
        GC.SuppressFinalize(this);
    }

    [Theory]
    [InlineData(CommitPolicy.Always)]
    [InlineData(CommitPolicy.Batch)]
    public async Task Appended_messages_come_back_after_restart_per_queue_in_order_and_byte_identical(CommitPolicy policy)
    {
        Start(new JournalOptions { Policy = policy });
        var written = new Dictionary<long, Message>();
        var expected = new Dictionary<int, List<long>> { [1] = [], [2] = [], [3] = [] };
        StoredMessage last = default;
        for (var n = 1; n <= 20; n++)
        {
            // Every message to queue 1, even ones also to 2, every third also to 3: the queues' orders interleave.
            int[] queues = [1, .. n % 2 == 0 ? [2] : Array.Empty<int>(), .. n % 3 == 0 ? [3] : Array.Empty<int>()];
            var message = SampleMessages.WithEverything(n, bodySize: 100 * n);
            last = Store.AppendMessage(message, queues);
            written.Add(last.MessageId, message);
            foreach (var queue in queues)
            {
                expected[queue].Add(last.MessageId);
            }
        }

        await AwaitDurable(last.CommitSequence);

        var recovery = Restart();

        Assert.Equal(20, recovery.Messages);
        Assert.Equal([1, 2, 3], recovery.Queues.Keys.Order());
        foreach (var (queue, ids) in expected)
        {
            var recovered = recovery.Queues[queue];
            Assert.Equal(ids, recovered.Select(m => m.MessageId));
            Assert.All(recovered, m => Assert.False(m.Delivered));
            foreach (var m in recovered)
            {
                SampleMessages.AssertSameMessage(written[m.MessageId], Store.Load(m.Ref));
            }
        }
    }

    [Fact]
    public async Task A_message_routed_to_ten_queues_is_written_once_and_comes_back_in_all_ten()
    {
        const int BodySize = 64 * 1024;
        Start();
        int[] queues = [.. Enumerable.Range(1, 10)];
        var message = SampleMessages.WithEverything(1, BodySize);
        var before = Device.BytesWritten;

        var stored = Store.AppendMessage(message, queues);
        await AwaitDurable(stored.CommitSequence);

        var growth = Device.BytesWritten - before;
        Assert.InRange(growth, BodySize, BodySize + 1024);
        Assert.InRange(stored.Location.Length, BodySize, BodySize + 1024);

        var recovery = Restart();

        Assert.Equal(1, recovery.Messages);
        Assert.Equal(queues, recovery.Queues.Keys.Order());
        foreach (var queue in queues)
        {
            var only = Assert.Single(recovery.Queues[queue]);
            Assert.Equal(stored.MessageId, only.MessageId);
            SampleMessages.AssertSameMessage(message, Store.Load(only.Ref));
        }
    }

    [Fact]
    public async Task Settled_messages_do_not_come_back_and_a_settle_on_one_queue_leaves_the_others()
    {
        Start();
        var first = Store.AppendMessage(SampleMessages.Plain(1), [1, 2]);
        var second = Store.AppendMessage(SampleMessages.Plain(2), [1, 2]);
        var third = Store.AppendMessage(SampleMessages.Plain(3), [1, 2]);
        Store.AppendSettle(1, first.Ref);
        Store.AppendSettle(2, first.Ref);
        var position = Store.AppendSettle(1, second.Ref);
        await AwaitDurable(position);

        var recovery = Restart();

        Assert.Equal([third.MessageId], recovery.Queues[1].Select(m => m.MessageId));
        Assert.Equal([second.MessageId, third.MessageId], recovery.Queues[2].Select(m => m.MessageId));
        Assert.Equal(2, recovery.Messages);
    }

    [Fact]
    public async Task Delivered_unsettled_messages_come_back_marked_delivered_and_undelivered_ones_unmarked()
    {
        Start();
        var deliveredOnOneQueue = Store.AppendMessage(SampleMessages.Plain(1), [1, 2]);
        var deliveredThenSettled = Store.AppendMessage(SampleMessages.Plain(2), [1]);
        var neverDelivered = Store.AppendMessage(SampleMessages.Plain(3), [1]);
        Store.AppendDelivered(1, deliveredOnOneQueue.Ref);
        Store.AppendDelivered(1, deliveredThenSettled.Ref);
        var position = Store.AppendSettle(1, deliveredThenSettled.Ref);
        await AwaitDurable(position);

        // Twice: the mark must come from the journal itself, not from anything the first recovery rewrote.
        for (var restart = 1; restart <= 2; restart++)
        {
            var recovery = Restart();

            Assert.Equal(
                [(deliveredOnOneQueue.MessageId, true), (neverDelivered.MessageId, false)],
                recovery.Queues[1].Select(m => (m.MessageId, m.Delivered)));
            Assert.Equal([(deliveredOnOneQueue.MessageId, false)], recovery.Queues[2].Select(m => (m.MessageId, m.Delivered)));
        }
    }

    [Fact]
    public async Task A_waiter_is_told_only_after_the_sync_that_covers_its_record()
    {
        Start();
        var syncsWhenTold = -1;
        var probe = new DurabilityProbe(_ => syncsWhenTold = Device.Flushes);

        // 1. Hold the next sync, append, and let the committer write and enter the sync.
        Device.HoldFlushes();
        var stored = Store.AppendMessage(SampleMessages.Plain(1), [1]);
        Store.WhenDurable(stored.CommitSequence, probe);
        await Device.WhenFlushEntered();

        // 2. Written but not synced: the waiter has not been told.
        Assert.False(probe.IsCompleted);
        Assert.Equal(0, Device.Flushes);

        // 3. Let the sync finish: now it is told, once, and only after the sync returned.
        Device.ReleaseFlushes();
        Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
        Assert.Equal(1, syncsWhenTold);
        Assert.Equal(1, probe.Calls);
        Assert.True(probe.DurableSequence >= stored.CommitSequence);

        // 4. Asking again for a position already durable answers at once.
        var late = new DurabilityProbe();
        Store.WhenDurable(stored.CommitSequence, late);
        Assert.True(late.IsCompleted);
    }

    [Fact]
    public async Task Appends_made_while_a_sync_is_running_are_all_covered_by_the_next_single_sync()
    {
        Start();

        // 1. The committer is inside the sync of the first record.
        Device.HoldFlushes();
        var first = Store.AppendMessage(SampleMessages.Plain(0), [1]);
        await Device.WhenFlushEntered();

        // 2. Meanwhile four publishers append 50 messages each.
        var probes = await AppendFromThreads(threads: 4, perThread: 50);
        Assert.DoesNotContain(probes, p => p.IsCompleted);

        // 3. The held sync finishes; everything appended during it takes exactly one more.
        Device.ReleaseFlushes();
        await AwaitDurable(first.CommitSequence);
        Assert.All(await Task.WhenAll(probes.Select(p => p.Outcome)), o => Assert.Equal(DurabilityOutcome.Durable, o));
        Assert.Equal(2, Device.Flushes);
    }

    [Fact]
    public async Task Many_concurrent_appends_complete_with_fewer_syncs_than_appends()
    {
        Start();

        var probes = await AppendFromThreads(threads: 4, perThread: 250);

        Assert.All(await Task.WhenAll(probes.Select(p => p.Outcome)), o => Assert.Equal(DurabilityOutcome.Durable, o));
        Assert.All(probes, p => Assert.Equal(1, p.Calls));
        Assert.True(Device.Flushes < probes.Count, $"{Device.Flushes} syncs for {probes.Count} appends: no group commit");
        Assert.True(Device.Flushes > 0);
    }

    [Fact]
    public async Task With_policy_never_nothing_is_synced_but_waiters_are_still_told()
    {
        Start(new JournalOptions { Policy = CommitPolicy.Never });

        var probes = await AppendFromThreads(threads: 2, perThread: 50);

        Assert.All(await Task.WhenAll(probes.Select(p => p.Outcome)), o => Assert.Equal(DurabilityOutcome.Durable, o));
        Assert.Equal(0, Device.Flushes);
    }

    [Fact]
    public async Task Segments_roll_at_segment_size_and_fully_settled_ones_are_deleted()
    {
        // About three 1 KiB messages fit in a 4 KiB segment.
        Start(new JournalOptions { SegmentSize = 4096 });
        var stored = new List<StoredMessage>();
        for (var n = 1; n <= 30; n++)
        {
            stored.Add(Store.AppendMessage(SampleMessages.Plain(n, bodySize: 1000), [1]));
        }

        await AwaitDurable(stored[^1].CommitSequence);
        var segmentsBefore = Device.ListSegments();
        Assert.True(segmentsBefore.Count >= 8, $"30 KiB in 4 KiB segments made only {segmentsBefore.Count} segments");
        Assert.All(stored, s => Assert.InRange(s.Location.Offset + s.Location.Length, 1, 4096));

        var settled = stored[..24];
        var live = stored[24..];
        long position = 0;
        foreach (var s in settled)
        {
            position = Store.AppendSettle(1, s.Ref);
        }

        await AwaitDurable(position);
        var liveSegments = live.Select(s => s.Location.Segment).ToHashSet();
        var deadSegments = settled.Select(s => s.Location.Segment).Where(s => !liveSegments.Contains(s)).ToHashSet();
        Assert.NotEmpty(deadSegments);
        await Eventually.True(() => !Device.ListSegments().Intersect(deadSegments).Any(), "every fully settled segment is deleted");
        Assert.Superset(liveSegments, Device.ListSegments().ToHashSet());
        Assert.True(Device.ListSegments().Count < segmentsBefore.Count);

        var recovery = Restart();

        Assert.Equal(live.Select(s => s.MessageId), recovery.Queues[1].Select(m => m.MessageId));
        Assert.Equal(live.Count, recovery.Messages);
    }

    [Fact]
    public async Task A_segment_holding_settles_for_a_live_older_segment_is_kept_until_that_segment_goes()
    {
        // One 700-byte message nearly fills a 1 KiB segment; settle records (25 bytes) fit beside it.
        Start(new JournalOptions { SegmentSize = 1024 });

        // 1. a is held by queues 1 and 2 (segment S1); b by queue 1 (S2).
        var a = Store.AppendMessage(SampleMessages.Plain(1, bodySize: 700), [1, 2]);
        var b = Store.AppendMessage(SampleMessages.Plain(2, bodySize: 700), [1]);
        Assert.NotEqual(a.Location.Segment, b.Location.Segment);

        // 2. Queue 1 settles a and b: both settle records land in S2, which now holds no live message.
        Store.AppendSettle(1, a.Ref);
        var settleB = Store.AppendSettle(1, b.Ref);
        await AwaitDurable(settleB);

        // 3. c rolls to S3, so S2 is no longer the tail; d is a barrier: once it is durable the
        //    committer has finished a release pass after S2 stopped being the tail.
        var c = Store.AppendMessage(SampleMessages.Plain(3, bodySize: 700), [1]);
        Assert.True(c.Location.Segment > b.Location.Segment);
        await AwaitDurable(c.CommitSequence);
        var d = Store.AppendMessage(SampleMessages.Plain(4, bodySize: 10), [1]);
        await AwaitDurable(d.CommitSequence);

        // 4. S2 must stay: without its settle record, replaying S1 would give a back to queue 1.
        Assert.Contains(a.Location.Segment, Device.ListSegments());
        Assert.Contains(b.Location.Segment, Device.ListSegments());
        var recovery = Restart();
        Assert.Equal([c.MessageId, d.MessageId], recovery.Queues[1].Select(m => m.MessageId));
        Assert.Equal([a.MessageId], recovery.Queues[2].Select(m => m.MessageId));

        // 5. The rule holds after recovery too (rebuilt from the replayed settle records).
        var e = Store.AppendMessage(SampleMessages.Plain(5, bodySize: 10), [1]);
        await AwaitDurable(e.CommitSequence);
        var f = Store.AppendMessage(SampleMessages.Plain(6, bodySize: 10), [1]);
        await AwaitDurable(f.CommitSequence);
        Assert.Contains(b.Location.Segment, Device.ListSegments());

        // 6. Queue 2 settles a: S1 goes, and with it the reason to keep S2.
        await AwaitDurable(Store.AppendSettle(2, a.Ref));
        await Eventually.True(
            () => !Device.ListSegments().Contains(a.Location.Segment) && !Device.ListSegments().Contains(b.Location.Segment),
            "S1 and then S2 are deleted");

        recovery = Restart();
        Assert.Equal([c.MessageId, d.MessageId, e.MessageId, f.MessageId], recovery.Queues[1].Select(m => m.MessageId));
        Assert.False(recovery.Queues.TryGetValue(2, out var queue2) && queue2.Count > 0);
    }

    [Fact]
    public async Task The_delivered_mark_survives_the_release_of_the_segment_that_recorded_it()
    {
        Start(new JournalOptions { SegmentSize = 1024 });

        // 1. a lives in S1; b in S2; a's delivered record and b's settle land in S2.
        var a = Store.AppendMessage(SampleMessages.Plain(1, bodySize: 700), [1]);
        var b = Store.AppendMessage(SampleMessages.Plain(2, bodySize: 700), [1]);
        Store.AppendDelivered(1, a.Ref);
        Store.AppendSettle(1, b.Ref);

        // 2. c rolls to S3: S2 holds no live message, but it holds the only record that a was delivered.
        var c = Store.AppendMessage(SampleMessages.Plain(3, bodySize: 700), [1]);
        Assert.True(c.Location.Segment > b.Location.Segment && b.Location.Segment > a.Location.Segment);
        await AwaitDurable(c.CommitSequence);
        await AwaitDurable(Store.AppendMessage(SampleMessages.Plain(4, bodySize: 10), [2]).CommitSequence);

        var recovery = Restart();

        Assert.Equal([(a.MessageId, true), (c.MessageId, false)], recovery.Queues[1].Select(m => (m.MessageId, m.Delivered)));
    }

    [Fact]
    public async Task A_message_bigger_than_a_segment_gets_a_segment_of_its_own_and_round_trips()
    {
        Start(new JournalOptions { SegmentSize = 4096 });
        var before = Store.AppendMessage(SampleMessages.Plain(1, bodySize: 100), [1]);
        var bigMessage = SampleMessages.WithEverything(2, bodySize: 20_000);
        var big = Store.AppendMessage(bigMessage, [1]);
        var after = Store.AppendMessage(SampleMessages.Plain(3, bodySize: 100), [1]);
        await AwaitDurable(after.CommitSequence);

        Assert.Equal(SegmentHeader.Size, big.Location.Offset); // first in its segment
        Assert.True(big.Location.Length > 20_000);
        Assert.True(big.Location.Segment > before.Location.Segment);
        Assert.True(after.Location.Segment > big.Location.Segment);

        var recovery = Restart();

        Assert.Equal([before.MessageId, big.MessageId, after.MessageId], recovery.Queues[1].Select(m => m.MessageId));
        var recovered = recovery.Queues[1][1];
        Assert.Equal(big.Location, recovered.Location);
        SampleMessages.AssertSameMessage(bigMessage, Store.Load(recovered.Ref));
    }

    [Fact]
    public async Task A_settle_nobody_waits_for_rides_with_the_next_commit_instead_of_syncing_on_its_own()
    {
        Start(new JournalOptions { Time = new FakeTimeProvider() });
        var a = Store.AppendMessage(SampleMessages.Plain(1, bodySize: 10), [1]);
        await AwaitDurable(a.CommitSequence);
        var syncs = Device.Flushes;

        var settle = Store.AppendSettle(1, a.Ref);
        var b = Store.AppendMessage(SampleMessages.Plain(2, bodySize: 10), [1]);
        await AwaitDurable(b.CommitSequence);

        Assert.Equal(syncs + 1, Device.Flushes);
        Assert.True(Store.Journal.DurableSequence >= settle);
        Assert.Equal([b.MessageId], Restart().Queues[1].Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_settle_is_synced_once_the_deferred_window_passes_or_at_once_when_awaited()
    {
        var time = new FakeTimeProvider();
        Start(new JournalOptions { Time = time });
        var a = Store.AppendMessage(SampleMessages.Plain(1, bodySize: 10), [1]);
        var b = Store.AppendMessage(SampleMessages.Plain(2, bodySize: 10), [1]);
        await AwaitDurable(b.CommitSequence);

        // 1. Nothing else is appended: the window's timer commits the settle.
        var settleA = Store.AppendSettle(1, a.Ref);
        time.Advance(new JournalOptions().DeferredWindow);
        await Eventually.True(() => Store.Journal.DurableSequence >= settleA, "the settle is durable after the window");

        // 2. Someone waits for a settle: it is committed without the window passing.
        await AwaitDurable(Store.AppendSettle(1, b.Ref));

        Assert.Empty(Restart().Queues.Values.SelectMany(q => q));
    }

    protected async Task AwaitDurable(long position)
    {
        var probe = new DurabilityProbe();
        Store.WhenDurable(position, probe);
        Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
    }

    /// <summary>Publishers on their own threads, each appending and registering a waiter per message.</summary>
    private async Task<List<DurabilityProbe>> AppendFromThreads(int threads, int perThread)
    {
        var store = Store;
        var batches = await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Run(() =>
        {
            var probes = new List<DurabilityProbe>(perThread);
            for (var i = 0; i < perThread; i++)
            {
                var stored = store.AppendMessage(SampleMessages.Plain((t * perThread) + i), [t + 1]);
                var probe = new DurabilityProbe();
                store.WhenDurable(stored.CommitSequence, probe);
                probes.Add(probe);
            }

            return probes;
        })));
        return [.. batches.SelectMany(b => b)];
    }
}
