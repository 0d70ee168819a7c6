using Courier.Core.Resources;
using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Keyed;
using Courier.Storage.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Storage.Tests.Keyed;

/// <summary>
/// The keyed logs (MQTT retained messages, sessions, QoS 2 ids) on a disk that fills up or whose
/// syncs fail, on the journal's fault-injecting device (issue 13): a failed write or sync stalls
/// the log instead of ending it, nothing is confirmed before it is written and synced, the node's
/// disk alarm is on while it is stalled, it resumes by itself when the disk allows, and a crash
/// while stalled brings back what was confirmed and loads cleanly.
/// </summary>
public sealed class KeyedLogDiskFullTests : IDisposable
{
    private static readonly byte[] Large = new byte[64 * 1024];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "courier-keyed-full-" + Guid.NewGuid().ToString("N"));
    private readonly MemoryJournalDevice _device = new();

    public KeyedLogDiskFullTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_full_disk_stalls_the_log_with_the_alarm_on_and_what_it_accepted_is_durable_once_space_returns()
    {
        // 1. A log with one durable value, and the node's disk alarm listening to it.
        using var resources = new ResourceMonitor(new ResourceLimits { DiskFreeLimit = 0 }, new FakeTimeProvider(), () => _device.FreeBytes);
        using (var log = Open(resources))
        {
            Assert.Equal(DurabilityOutcome.Durable, await Durable(log, log.Put("kept", "before"u8)));

            // 2. The disk is full: a 64 KiB value cannot be written. The log stalls, the alarm
            //    comes on, the value reads back from memory, and its waiter is not told anything.
            _device.Capacity = _device.UsedBytes;
            var large = new DurabilityProbe();
            log.WhenDurable(log.Put("large", Large), large);
            await Eventually.True(() => log.IsStalled, "the log stalls on the full disk");
            Assert.True(resources.Alarm.Disk, "no disk alarm while the keyed log cannot write");
            Assert.Equal(Large.Length, log.Read("large")!.Length);

            // 3. A change made while stalled (a settlement of confirmed work) is taken and waits too.
            var removal = new DurabilityProbe();
            log.WhenDurable(log.Remove("kept"), removal);
            Assert.False(large.IsCompleted, "a value on a full disk was reported durable or failed");
            Assert.False(removal.IsCompleted, "a removal on a full disk was reported durable or failed");

            // 4. Space returns: both are durable, the log writes again and the alarm is off.
            _device.Capacity = null;
            Assert.Equal(DurabilityOutcome.Durable, await large.Outcome);
            Assert.Equal(DurabilityOutcome.Durable, await removal.Outcome);
            Assert.False(log.IsStalled);
            await Eventually.True(() => !resources.Alarm.Disk, "the disk alarm goes off once the log writes again");
        }

        // 5. After a power loss, the log holds exactly what was confirmed.
        _device.Crash();
        using var reopened = Open(null);
        Assert.Equal(["large"], reopened.CopyKeys());
        Assert.Equal(Large, reopened.Read("large"));
    }

    [Fact]
    public async Task A_failing_sync_is_retried_with_the_same_bytes_and_nothing_is_confirmed_before_one_succeeds()
    {
        using (var log = Open(null))
        {
            // 1. Every fsync fails (EIO): the change waits while the log retries, more than once.
            _device.FailFlushes = true;
            var probe = new DurabilityProbe();
            log.WhenDurable(log.Put("k", "v"u8), probe);
            await Eventually.True(() => _device.FlushAttempts >= 3, "the failed sync is retried");
            Assert.True(log.IsStalled);
            Assert.False(probe.IsCompleted, "a change whose sync failed was reported durable or failed");

            // 2. Syncs work again: the change is durable, once.
            _device.FailFlushes = false;
            Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
            Assert.Equal(1, probe.Calls);
            Assert.False(log.IsStalled);
        }

        _device.Crash();
        using var reopened = Open(null);
        Assert.Equal("v"u8.ToArray(), reopened.Read("k"));
    }

    [Fact]
    public async Task A_crash_while_stalled_on_a_half_written_record_brings_back_what_was_confirmed()
    {
        // 1. One confirmed value; then room for only part of the next record, which is torn.
        using (var log = Open(null))
        {
            Assert.Equal(DurabilityOutcome.Durable, await Durable(log, log.Put("confirmed", "yes"u8)));
            _device.Capacity = _device.UsedBytes + 100;
            log.Put("unconfirmed", Large);
            await Eventually.True(() => log.IsStalled, "the log stalls on the full disk");

            // 2. Power lost while stalled, with whatever the failed write left.
            _device.Crash(tornBytes: 100);
        }

        // 3. It loads, with the confirmed value and without the other.
        _device.Capacity = null;
        using var reopened = Open(null);
        Assert.Equal(["confirmed"], reopened.CopyKeys());
        Assert.Equal("yes"u8.ToArray(), reopened.Read("confirmed"));
        Assert.Equal(DurabilityOutcome.Durable, await Durable(reopened, reopened.Put("after", "works"u8)));
    }

    [Fact]
    public async Task A_log_closed_while_stalled_tells_its_waiters_it_failed_and_leaves_the_alarm_to_the_others()
    {
        // 1. Two stores stalled at once on one account: the journal's report is played by hand.
        using var resources = new ResourceMonitor(new ResourceLimits { DiskFreeLimit = 0 }, new FakeTimeProvider(), () => _device.FreeBytes);
        IDiskSpaceAccount account = resources;
        account.SetStalled(true);
        var log = Open(resources);
        _device.Capacity = _device.UsedBytes;
        var probe = new DurabilityProbe();
        log.WhenDurable(log.Put("k", Large), probe);
        await Eventually.True(() => log.IsStalled, "the log stalls on the full disk");

        // 2. The log is closed while stalled: its waiter is told it failed (never durable).
        log.Dispose();
        Assert.Equal(DurabilityOutcome.Failed, await probe.Outcome);

        // 3. The alarm stays on for the other store, and goes off when it writes again.
        Assert.True(resources.Alarm.Disk, "a keyed log that closed turned off the alarm another store still needs");
        account.SetStalled(false);
        Assert.False(resources.Alarm.Disk);
    }

    private FileKeyedLog Open(ResourceMonitor? resources)
    {
        var log = FileKeyedLog.Open(
            Path.Combine(_directory, "log"),
            new KeyedLogOptions
            {
                OpenFile = _ => _device.Open(0),
                CompactionMinBytes = long.MaxValue,
                StallRetryMin = TimeSpan.FromMilliseconds(5),
                StallRetryMax = TimeSpan.FromMilliseconds(50),
            },
            NullLogger.Instance);
        log.DiskSpace = resources;
        return log;
    }

    private static Task<DurabilityOutcome> Durable(FileKeyedLog log, long sequence)
    {
        var probe = new DurabilityProbe();
        log.WhenDurable(sequence, probe);
        return probe.Outcome;
    }
}
