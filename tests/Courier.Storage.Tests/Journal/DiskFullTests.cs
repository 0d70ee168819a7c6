using Courier.Core.Resources;
using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// The journal on a small disk that fills up, and on one whose syncs fail (issue 13, findings 1
/// and 2): the disk alarm comes with the append that would cross the limit, not with the next
/// poll; a write or sync that fails stalls the journal (publishers blocked, new messages refused,
/// the failed round retried) instead of ending it; settling what the full disk holds frees it,
/// the tail included; and a crash while stalled brings back what was confirmed and nothing else.
/// </summary>
public sealed class DiskFullTests
{
    private const int MessageBody = 64 * 1024;
    private const int SegmentSize = 4 * 1024 * 1024;

    [Fact]
    public async Task The_disk_alarm_comes_with_the_append_after_which_the_next_would_take_free_space_below_the_limit()
    {
        // 1. A 4 MiB disk with a 3 MiB free-space limit, and a clock that never polls the disk again.
        const long Capacity = 4 * 1024 * 1024, Limit = 3 * 1024 * 1024;
        var device = new MemoryJournalDevice { Capacity = Capacity };
        using var resources = Monitor(device, Limit, out var time);
        using var store = Open(device, resources, out _);

        // 2. 64 KiB messages, each waited for: no alarm while one more would still leave the limit
        //    free; the alarm with the message after which one more would not, the limit still free.
        for (var n = 0; n < 64; n++)
        {
            var usedBefore = device.UsedBytes;
            var stored = store.AppendMessage(SampleMessages.Plain(n, MessageBody), [1]);
            var alarm = resources.Alarm.Disk;
            await TornTailRecoveryTests.AwaitDurable(store, stored.CommitSequence);
            var free = Capacity - device.UsedBytes;
            var size = device.UsedBytes - usedBefore;
            Assert.True(free >= Limit, $"message {n} took free space below the limit: {free} bytes free");
            if (alarm)
            {
                Assert.True(free - size < Limit, $"the alarm came early: after message {n} one more would leave {free - size} bytes free");

                // 3. The next poll measures the disk still above the limit, and keeps the alarm:
                //    one more message would still cross it.
                time.Advance(TimeSpan.FromSeconds(1));
                Assert.True(resources.Alarm.Disk, "a poll of the disk cleared the alarm the last append raised");
                return;
            }

            Assert.True(free - size >= Limit, $"no alarm though one more message would leave {free - size} bytes free");
        }

        Assert.Fail("the disk alarm never came on");
    }

    [Fact]
    public async Task A_full_disk_stalls_the_journal_and_settling_what_it_holds_frees_the_tail_and_confirms_the_stalled_round()
    {
        // 1. A 1 MiB disk, segments of 4 MiB: everything is in the tail, as in the 64 MiB case.
        var device = new MemoryJournalDevice { Capacity = 1024 * 1024 };
        using var resources = Monitor(device, limit: 0, out _);
        using var store = Open(device, resources, out _);

        // 2. 64 KiB messages until the journal cannot write: it stalls, it does not fail.
        var (stored, probes) = await FillUntilStalledAsync(store);
        Assert.False(store.IsFailed);
        Assert.True(resources.IsBlocked, "publishers are blocked while the journal cannot write");
        Assert.False(probes[^1].IsCompleted, "nothing of the stalled round is confirmed (or refused) before it is written");

        // 3. A new message is refused at once (its publisher is nacked); settles are still taken.
        Assert.Throws<StoreFailedException>(() => store.AppendMessage(SampleMessages.Plain(999, MessageBody), [1]));

        // 4. A purge: every message settled. The tail holds nothing any more and is dropped.
        foreach (var message in stored)
        {
            store.AppendSettle(1, message.Ref);
        }

        await Eventually.True(() => !store.IsStalled, "the journal writes again");
        foreach (var probe in probes)
        {
            Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
        }

        Assert.DoesNotContain(1, device.ListSegments());
        Assert.True(device.UsedBytes < 64 * 1024, $"the full tail was not reclaimed: {device.UsedBytes} bytes in use");
        await Eventually.True(() => !resources.IsBlocked, "publishers are unblocked");

        // 5. It takes messages again, and after a power loss the purge stays done.
        var after = store.AppendMessage(SampleMessages.Plain(1000, MessageBody), [1]);
        await TornTailRecoveryTests.AwaitDurable(store, after.CommitSequence);
        store.Dispose();
        device.Crash();
        using var reopened = Open(device, resources: null, out var recovery);
        Assert.Equal([after.MessageId], recovery.Queues[1].Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_crash_while_stalled_brings_back_what_was_confirmed_and_nothing_unconfirmed_or_refused()
    {
        var device = new MemoryJournalDevice { Capacity = 1024 * 1024 };
        using var resources = Monitor(device, limit: 0, out _);
        var store = Open(device, resources, out _);
        var (stored, probes) = await FillUntilStalledAsync(store);
        var confirmed = stored.Where((_, i) => probes[i].IsCompleted).Select(s => s.MessageId).ToList();
        Assert.NotEmpty(confirmed);
        Assert.Throws<StoreFailedException>(() => store.AppendMessage(SampleMessages.Plain(999, MessageBody), [1]));

        // Power loss while the round is being retried: the retry's partial writes are not durable,
        // and the stalled round was cut from the file when it failed.
        store.Dispose();
        device.Crash();
        device.Capacity = null;
        using var reopened = Open(device, resources: null, out var recovery);
        Assert.Equal(confirmed, recovery.Queues[1].Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_failing_sync_is_retried_by_writing_again_and_what_it_covered_is_confirmed_once_synced()
    {
        var device = new MemoryJournalDevice();
        using var resources = Monitor(device, limit: 0, out _);
        using (var store = Open(device, resources, out _))
        {
            var first = store.AppendMessage(SampleMessages.Plain(1), [1]);
            await TornTailRecoveryTests.AwaitDurable(store, first.CommitSequence);

            // 1. Every sync fails (EIO): the journal stalls; the waiter waits, it is not told the store failed.
            device.FailFlushes = true;
            var second = store.AppendMessage(SampleMessages.Plain(2), [1]);
            var probe = new DurabilityProbe();
            store.WhenDurable(second.CommitSequence, probe);
            await Eventually.True(() => store.IsStalled, "the journal stalls");
            var attempts = device.FlushAttempts;
            await Eventually.True(() => device.FlushAttempts > attempts + 1, "the sync is retried");
            Assert.False(probe.IsCompleted);
            Assert.True(resources.IsBlocked);

            // 2. The disk recovers: the round is written again and synced, and confirmed.
            device.FailFlushes = false;
            Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
            Assert.False(store.IsStalled);
            Assert.False(store.IsFailed);
            await Eventually.True(() => !resources.IsBlocked, "publishers are unblocked");
        }

        device.Crash();
        using var reopened = Open(device, resources: null, out var recovery);
        Assert.Equal(2, recovery.Queues[1].Count);
    }

    /// <summary>Appends 64 KiB messages, each with a waiter, until the journal stalls (bounded).</summary>
    private static async Task<(List<StoredMessage> Stored, List<DurabilityProbe> Probes)> FillUntilStalledAsync(JournalMessageStore store)
    {
        var stored = new List<StoredMessage>();
        var probes = new List<DurabilityProbe>();
        for (var n = 0; n < 64 && !store.IsStalled; n++)
        {
            var message = store.AppendMessage(SampleMessages.Plain(n, MessageBody), [1]);
            var probe = new DurabilityProbe();
            store.WhenDurable(message.CommitSequence, probe);
            stored.Add(message);
            probes.Add(probe);
            await Eventually.True(() => probe.IsCompleted || store.IsStalled, $"message {n} is written or the journal stalls");
        }

        Assert.True(store.IsStalled, "a 1 MiB disk took 64 messages of 64 KiB");
        return (stored, probes);
    }

    private static ResourceMonitor Monitor(MemoryJournalDevice device, long limit, out FakeTimeProvider time)
    {
        time = new FakeTimeProvider();
        var monitor = new ResourceMonitor(new ResourceLimits { DiskFreeLimit = limit }, time, () => device.FreeBytes);
        monitor.SetDiskFreeLimit(limit); // one measurement now; the fake clock never polls again
        return monitor;
    }

    private static JournalMessageStore Open(MemoryJournalDevice device, ResourceMonitor? resources, out StoreRecovery recovery)
    {
        var store = new JournalMessageStore(
            device,
            new JournalOptions { SegmentSize = SegmentSize, StallRetryMin = TimeSpan.FromMilliseconds(5), StallRetryMax = TimeSpan.FromMilliseconds(50) },
            NullLogger.Instance)
        {
            DiskSpace = resources,
        };
        recovery = store.Recover();
        return store;
    }
}
