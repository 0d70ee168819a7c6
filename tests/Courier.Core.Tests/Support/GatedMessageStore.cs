using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Core.Tests.Support;

/// <summary>
/// The in-memory store with a disk that can be held: while the gate is closed, every load waits
/// in <see cref="Load"/> (a slow disk), and <see cref="LoadStarted"/> tells the test one is waiting.
/// Loads can also be made to fail, as a failed journal's would.
/// </summary>
internal sealed class GatedMessageStore : IMessageStore, IDisposable
{
    private readonly InMemoryMessageStore _inner = new();
    private readonly ManualResetEventSlim _gate = new(initialState: true);
    private readonly TaskCompletionSource _loadStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _loading;
    private int _failNext;

    public int Loads => _inner.Loads;

    public int Failures;

    public int Paged => _inner.Paged;

    public IReadOnlyCollection<(int Queue, long Message)> Settled => _inner.Settled;

    /// <summary>Completes when a load has started (and, if the gate is closed, is waiting on it).</summary>
    public Task LoadStarted => _loadStarted.Task;

    /// <summary>True while a load is in progress (between its start and its return).</summary>
    public bool IsLoading => Volatile.Read(ref _loading) > 0;

    /// <summary>While set, loads throw an <see cref="IOException"/> instead of reading.</summary>
    public bool FailLoads { get; set; }

    public bool IsFailed => false;

    /// <summary>The next load to pass the gate throws, as a read of a segment compaction just deleted would.</summary>
    public void FailNextLoad() => Volatile.Write(ref _failNext, 1);

    public void Hold() => _gate.Reset();

    public void Release() => _gate.Set();

    public StoredMessage AppendMessage(Message message, ReadOnlySpan<int> queueIds) => _inner.AppendMessage(message, queueIds);

    public StoredMessage AppendPaged(Message message) => _inner.AppendPaged(message);

    public IReadOnlyList<int> SegmentsWorthCompacting() => _inner.SegmentsWorthCompacting();

    public int ReferencesIn(int segment) => _inner.ReferencesIn(segment);

    public StoredMessage Relocate(Message message, long messageId, ReadOnlySpan<int> queueIds, StoredLocation from, bool paged) =>
        _inner.Relocate(message, messageId, queueIds, from, paged);

    public long AppendSettle(int queueId, long messageId, StoredLocation location) => _inner.AppendSettle(queueId, messageId, location);

    public long AppendDelivered(int queueId, long messageId, StoredLocation location) => _inner.AppendDelivered(queueId, messageId, location);

    public void WhenDurable(long position, IDurabilityWaiter waiter) => _inner.WhenDurable(position, waiter);

    public Message Load(long messageId, StoredLocation location)
    {
        Interlocked.Increment(ref _loading);
        try
        {
            _loadStarted.TrySetResult();

            // Bounded, so a test that goes wrong fails instead of hanging the run.
            if (!_gate.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException("the test never released the load");
            }

            if (FailLoads || Interlocked.Exchange(ref _failNext, 0) == 1)
            {
                Interlocked.Increment(ref Failures);
                throw new IOException("the disk failed (test)");
            }

            return _inner.Load(messageId, location);
        }
        finally
        {
            Interlocked.Decrement(ref _loading);
        }
    }

    public void Dispose()
    {
        _gate.Set();
        _gate.Dispose();
    }
}
