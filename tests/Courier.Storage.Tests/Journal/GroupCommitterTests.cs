using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// One committer, several logs: a round writes and syncs every log's pending records (one fsync
/// batch covering them all), and a log's waiters are told only after that log is synced.
/// </summary>
public sealed class GroupCommitterTests : IDisposable
{
    private readonly GroupCommitter _committer = new(new JournalOptions());
    private readonly ObservedDevice _deviceA = new(new MemoryJournalDevice());
    private readonly ObservedDevice _deviceB = new(new MemoryJournalDevice());
    private readonly SegmentLog _logA;
    private readonly SegmentLog _logB;

    public GroupCommitterTests()
    {
        _logA = new SegmentLog("a", _deviceA, new JournalOptions(), _committer, NullLogger.Instance);
        _logB = new SegmentLog("b", _deviceB, new JournalOptions(), _committer, NullLogger.Instance);
        _logA.Start();
        _logB.Start();
    }

    public void Dispose()
    {
        _deviceA.ReleaseFlushes();
        _deviceB.ReleaseFlushes();
        _committer.Dispose();
        _logA.Dispose();
        _logB.Dispose();
    }

    [Fact]
    public async Task Records_appended_to_two_logs_during_a_round_are_committed_together_in_the_next()
    {
        // 1. Both logs have committed once (their headers), so the next rounds are the test's own.
        await CommitAsync(_logA, Append(_logA, 1));
        await CommitAsync(_logB, Append(_logB, 1));

        // 2. A round is held in log A's sync.
        _deviceA.ForgetFlushesEntered();
        _deviceA.HoldFlushes();
        Append(_logA, 2);
        await _deviceA.WhenFlushEntered();

        // 3. Meanwhile both logs get a record, with a waiter each that notes the round it is told in.
        long roundA = -1, roundB = -1;
        var flushesA = _deviceA.Flushes;
        var flushesB = _deviceB.Flushes;
        var waiterA = new DurabilityProbe(_ => roundA = _committer.Rounds);
        var waiterB = new DurabilityProbe(_ => roundB = _committer.Rounds);
        _logA.WhenDurable(Append(_logA, 3), waiterA);
        _logB.WhenDurable(Append(_logB, 3), waiterB);
        _deviceA.ReleaseFlushes();

        // 4. One round commits both: each log was synced once more, and both waiters were told in it.
        Assert.Equal(DurabilityOutcome.Durable, await waiterA.Outcome);
        Assert.Equal(DurabilityOutcome.Durable, await waiterB.Outcome);
        Assert.Equal(roundA, roundB);
        Assert.Equal(flushesA + 2, _deviceA.Flushes); // the held round's sync and the shared round's
        Assert.Equal(flushesB + 1, _deviceB.Flushes);
    }

    [Fact]
    public async Task A_waiter_on_one_log_is_never_told_before_that_log_is_synced()
    {
        await CommitAsync(_logA, Append(_logA, 1));
        await CommitAsync(_logB, Append(_logB, 1));

        // 1. Log A's sync is held; log B has nothing to wait for on disk.
        _deviceA.ForgetFlushesEntered();
        _deviceA.HoldFlushes();
        var flushesA = _deviceA.Flushes;
        var syncedWhenToldA = false;
        var waiterA = new DurabilityProbe(_ => syncedWhenToldA = _deviceA.Flushes > flushesA);
        var waiterB = new DurabilityProbe();
        _logA.WhenDurable(Append(_logA, 2), waiterA);
        _logB.WhenDurable(Append(_logB, 2), waiterB);
        await _deviceA.WhenFlushEntered();

        // 2. While A's sync is held nobody in the round is told.
        Assert.False(waiterA.IsCompleted);
        Assert.False(waiterB.IsCompleted);
        Assert.True(_logA.DurableSequence < _logA.LastSequence);

        // 3. Released: A's waiter hears only once A's sync has completed.
        _deviceA.ReleaseFlushes();
        Assert.Equal(DurabilityOutcome.Durable, await waiterA.Outcome);
        Assert.Equal(DurabilityOutcome.Durable, await waiterB.Outcome);
        Assert.True(syncedWhenToldA);
    }

    [Fact]
    public async Task A_log_whose_sync_fails_stalls_alone_and_the_other_log_goes_on()
    {
        await CommitAsync(_logA, Append(_logA, 1));
        var deviceA = (MemoryJournalDevice)_deviceA.Inner;
        deviceA.FailFlushes = true;

        var waiterA = new DurabilityProbe();
        var waiterB = new DurabilityProbe();
        _logA.WhenDurable(Append(_logA, 2), waiterA);
        _logB.WhenDurable(Append(_logB, 2), waiterB);

        // Log B is committed while log A cannot sync; A waits, and is neither failed nor confirmed.
        Assert.Equal(DurabilityOutcome.Durable, await waiterB.Outcome);
        await CommitAsync(_logB, Append(_logB, 3));
        await Eventually.True(() => _logA.IsStalled, "log A stalls");
        Assert.False(waiterA.IsCompleted);
        Assert.False(_logA.IsFailed);

        // Its disk recovers: the round is retried and A's waiter is told.
        deviceA.FailFlushes = false;
        Assert.Equal(DurabilityOutcome.Durable, await waiterA.Outcome);
        Assert.False(_logA.IsStalled);
    }

    private static long Append(SegmentLog log, int n) =>
        log.Append(RecordType.Settle, 16, n, static (destination, value) => destination.Fill((byte)value)).Sequence;

    private static async Task CommitAsync(SegmentLog log, long sequence)
    {
        var probe = new DurabilityProbe();
        log.WhenDurable(sequence, probe);
        Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
    }
}
