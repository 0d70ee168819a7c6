using Courier.Core.Messages;
using Courier.Core.Storage;
using Courier.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Benchmarks.Journal;

/// <summary>
/// A started <see cref="JournalMessageStore"/> over a <see cref="MemoryJournalDevice"/>, and the
/// persistent <see cref="SampleMessage"/> routed to <c>queues</c> durable queues.
/// </summary>
public sealed class JournalWorkload : IDisposable
{
    private readonly JournalMessageStore _store;
    private readonly Message _message = SampleMessage.Create();
    private readonly int[] _queueIds;
    private readonly DurabilitySignal _signal = new();
    private long _appended;

    public JournalWorkload(int queues, CommitPolicy policy, int segmentSize)
    {
        _queueIds = new int[queues];
        for (var i = 0; i < queues; i++)
        {
            _queueIds[i] = i + 1;
        }

        Device = new MemoryJournalDevice();
        _store = new JournalMessageStore(Device, new JournalOptions { Policy = policy, SegmentSize = segmentSize }, NullLogger.Instance);
        _store.Recover();
    }

    public MemoryJournalDevice Device { get; }

    /// <summary>Appends the message once, with a reference per queue; does not wait for the disk.</summary>
    public StoredMessage Append() => _store.AppendMessage(_message, _queueIds);

    /// <summary>
    /// Appends, and every <paramref name="drainEvery"/> appends waits for the committer, as a
    /// publisher with that many unconfirmed messages would: the journal's pending buffers then stay
    /// at a steady size instead of growing for as long as the committer lags behind.
    /// </summary>
    public StoredMessage AppendDraining(int drainEvery)
    {
        var stored = Append();
        if (++_appended % drainEvery == 0)
        {
            WaitDurable(stored.CommitSequence);
        }

        return stored;
    }

    /// <summary>Waits until everything appended so far is durable.</summary>
    public void WaitDurable(long position)
    {
        _signal.Reset();
        _store.WhenDurable(position, _signal);
        _signal.Wait();
    }

    /// <summary>
    /// A confirmed publish: append, wait for the committer to write and sync it, and settle it
    /// (the consumer's ack, which rides in the next commit) so the journal's segments are released
    /// and the memory device does not grow for the length of the run.
    /// </summary>
    public long AppendAndCommit()
    {
        var stored = Append();
        WaitDurable(stored.CommitSequence);
        foreach (var queue in _queueIds)
        {
            _store.AppendSettle(queue, stored.Ref);
        }

        return stored.CommitSequence;
    }

    public void Dispose()
    {
        _store.Dispose();
        _signal.Dispose();
    }
}
