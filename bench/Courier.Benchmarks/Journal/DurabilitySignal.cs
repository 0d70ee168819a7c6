using Courier.Core.Storage;

namespace Courier.Benchmarks.Journal;

/// <summary>A reusable waiter for one commit at a time: the committer sets it, the publisher waits on it.</summary>
public sealed class DurabilitySignal : IDurabilityWaiter, IDisposable
{
    private readonly ManualResetEventSlim _done = new(initialState: false, spinCount: 1000);
    private volatile bool _failed;

    public void Reset() => _done.Reset();

    public void Wait()
    {
        _done.Wait();
        if (_failed)
        {
            throw new InvalidOperationException("the journal failed");
        }
    }

    public void OnDurable(long sequence) => _done.Set();

    public void OnStoreFailed()
    {
        _failed = true;
        _done.Set();
    }

    public void Dispose() => _done.Dispose();
}
