using Courier.Core.Storage;

namespace Courier.Storage.Tests.Support;

/// <summary>How a store answered a <see cref="DurabilityProbe"/>.</summary>
public enum DurabilityOutcome
{
    Durable,
    Failed,
}

/// <summary>
/// A durability waiter a test can await. It records how often and with what the store called it,
/// so a test can prove a waiter is told exactly once, and lets the test look at the device at the
/// moment the store says "durable" (<paramref name="onDurable"/> runs on the committer thread).
/// </summary>
public sealed class DurabilityProbe(Action<long>? onDurable = null) : IDurabilityWaiter
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TaskCompletionSource<DurabilityOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public long DurableSequence { get; private set; } = -1;

    public bool IsCompleted => _outcome.Task.IsCompleted;

    public Task<DurabilityOutcome> Outcome => _outcome.Task.WaitAsync(Patience);

    public void OnDurable(long sequence)
    {
        Interlocked.Increment(ref _calls);
        DurableSequence = sequence;
        onDurable?.Invoke(sequence);
        _outcome.TrySetResult(DurabilityOutcome.Durable);
    }

    public void OnStoreFailed()
    {
        Interlocked.Increment(ref _calls);
        _outcome.TrySetResult(DurabilityOutcome.Failed);
    }

    /// <summary>For the synchronous FsCheck properties.</summary>
    public DurabilityOutcome Wait() => Outcome.GetAwaiter().GetResult();
}
