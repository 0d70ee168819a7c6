using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using static Courier.Storage.Tests.Journal.TornTailRecoveryTests;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// A store whose write or sync fails must never confirm what it could not save: the round is
/// written again and synced before its waiters are told (DiskFullTests covers a fault that lasts),
/// and after a power loss what was confirmed comes back.
/// </summary>
public sealed class StoreFailureTests
{
    public enum Fault
    {
        FailedSync,
        ShortWrite,
    }

    [Theory]
    [InlineData(Fault.FailedSync)]
    [InlineData(Fault.ShortWrite)]
    public async Task A_failed_write_or_sync_is_retried_and_confirms_nothing_before_it_is_synced(Fault fault)
    {
        var device = new MemoryJournalDevice();
        using var store = Open(device, CommitPolicy.Always, out _);

        // 1. Three messages are appended and synced.
        var synced = new List<StoredMessage>();
        for (var n = 0; n < 3; n++)
        {
            synced.Add(store.AppendMessage(SampleMessages.Plain(n), [1]));
        }

        await AwaitDurable(store, synced[^1].CommitSequence);

        // 2. Arm the fault (once), append one more and wait for it.
        var syncsBefore = device.FlushCount;
        if (fault == Fault.FailedSync)
        {
            device.FailNextFlush = true;
        }
        else
        {
            device.ShortNextWrite = 5;
        }

        var retried = store.AppendMessage(SampleMessages.Plain(3), [1]);
        var probe = new DurabilityProbe(_ => Assert.True(device.FlushCount > syncsBefore, "told durable before a sync succeeded"));

        // 3. The journal does not fail: it writes the round again and syncs it, and only then
        //    tells the waiter, once.
        store.WhenDurable(retried.CommitSequence, probe);
        Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
        Assert.Equal(1, probe.Calls);
        Assert.False(store.IsFailed);
        Assert.False(store.IsStalled);

        // 4. Power loss and restart: everything confirmed is back, the retried record too.
        store.Dispose();
        device.Crash();
        using var reopened = Open(device, CommitPolicy.Always, out var recovery);
        Assert.Equal([.. synced.Select(s => s.MessageId), retried.MessageId], recovery.Queues[1].Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_waiter_is_told_durable_only_once_the_device_has_synced_and_the_record_survives_a_crash()
    {
        var device = new MemoryJournalDevice();
        var syncsWhenTold = -1;
        using (var store = Open(device, CommitPolicy.Always, out _))
        {
            // 1. Append and wait; note the device's sync count at the moment the waiter is told.
            var stored = store.AppendMessage(SampleMessages.Plain(1), [1]);
            var probe = new DurabilityProbe(_ => syncsWhenTold = device.FlushCount);
            store.WhenDurable(stored.CommitSequence, probe);
            Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
            Assert.Equal(1, syncsWhenTold);

            // 2. Power loss while the store is still running: what it confirmed is on the "disk".
            device.Crash();
        }

        using var reopened = Open(device, CommitPolicy.Always, out var recovery);
        Assert.Single(recovery.Queues[1]);
    }

    [Fact]
    public async Task With_policy_never_nothing_is_synced_so_a_power_loss_loses_what_was_confirmed()
    {
        var device = new MemoryJournalDevice();
        using (var store = Open(device, CommitPolicy.Never, out _))
        {
            for (var n = 0; n < 20; n++)
            {
                await AwaitDurable(store, store.AppendMessage(SampleMessages.Plain(n), [1]).CommitSequence);
            }

            Assert.Equal(0, device.FlushCount);
        }

        Assert.Equal(0, device.FlushCount);
        device.Crash();
        using var reopened = Open(device, CommitPolicy.Always, out var recovery);
        Assert.Equal(0, recovery.Messages);
    }
}
