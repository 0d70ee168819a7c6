using System.Threading.Tasks.Sources;

namespace Courier.Core.Concurrency;

/// <summary>
/// An auto-reset signal with one waiter, awaited without allocating: the loops that drain a
/// buffer (a connection's writer, the journal's committer) wait on it once per batch, many
/// thousands of times a second, where <see cref="SemaphoreSlim.WaitAsync()"/> would allocate a
/// task each time it has to wait.
/// </summary>
/// <remarks>
/// <see cref="Set"/> may be called from any thread, any number of times; a set before the wait
/// completes the next wait at once. Only one <see cref="WaitAsync"/> may be pending at a time.
/// </remarks>
public sealed class AsyncSignal : IValueTaskSource
{
    private readonly Lock _gate = new();
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private bool _set;
    private bool _waiting;
    private CancellationTokenRegistration _cancellation;

    public void Set()
    {
        lock (_gate)
        {
            if (_waiting)
            {
                _waiting = false;
                // Unregister, not Dispose: Dispose waits for a callback already running, and that
                // callback (Cancel) waits for the lock held here.
                _cancellation.Unregister();
                _core.SetResult(true);
                return;
            }

            _set = true;
        }
    }

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_set)
            {
                _set = false;
                return ValueTask.CompletedTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            _core.Reset();
            _waiting = true;
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.UnsafeRegister(static (s, token) => ((AsyncSignal)s!).Cancel(token), this);
            }

            return new ValueTask(this, _core.Version);
        }
    }

    private void Cancel(CancellationToken token)
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
            _core.SetException(new OperationCanceledException(token));
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
