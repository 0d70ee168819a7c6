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

    public int Loads => _inner.Loads;

    public int Paged => _inner.Paged;

    public IReadOnlyCollection<(int Queue, long Message)> Settled => _inner.Settled;

    /// <summary>Completes when a load has started (and, if the gate is closed, is waiting on it).</summary>
    public Task LoadStarted => _loadStarted.Task;

    /// <summary>True while a load is in progress (between its start and its return).</summary>
    public bool IsLoading => Volatile.Read(ref _loading) > 0;

    /// <summary>While set, loads throw an <see cref="IOException"/> instead of reading.</summary>
    public volatile bool FailLoads;

    public bool IsFailed => false;

    public void Hold() => _gate.Reset();

    public void Release() => _gate.Set();

    public StoredMessage AppendMessage(Message message, ReadOnlySpan<int> queueIds) => _inner.AppendMessage(message, queueIds);

    public StoredMessage AppendPaged(Message message) => _inner.AppendPaged(message);

    public int Compact(IMessageHolders holders) => _inner.Compact(holders);

    public long AppendSettle(int queueId, MessageRef message) => _inner.AppendSettle(queueId, message);

    public long AppendDelivered(int queueId, MessageRef message, int deliveryCount = 1) => _inner.AppendDelivered(queueId, message, deliveryCount);

    public void WhenDurable(long sequence, IDurabilityWaiter waiter) => _inner.WhenDurable(sequence, waiter);

    public Message Load(MessageRef message)
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

            if (FailLoads)
            {
                throw new IOException("the disk failed (test)");
            }

            return _inner.Load(message);
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
