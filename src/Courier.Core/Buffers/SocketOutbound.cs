using System.Buffers;
using System.IO.Pipelines;
using Courier.Core.Concurrency;

namespace Courier.Core.Buffers;

/// <summary>
/// What waits to be written to one connection's socket, for a protocol whose frames any thread may
/// write (MQTT packets, STOMP frames): deliveries on publishers' threads, acknowledgements on the
/// store's committer, the reader's answers, timers.
/// </summary>
/// <remarks>
/// Each write appends one whole frame under a short lock; one writer loop swaps the filled buffer
/// for an empty one and copies it to the pipe with a single flush, as the AMQP side does. While
/// more than the high watermark waits, <see cref="IsCongested"/> tells subscriptions to stop
/// taking deliveries, and <see cref="Drained"/> tells them when to start again.
/// </remarks>
public abstract partial class SocketOutbound
{
    private readonly Lock _gate = new();
    private readonly AsyncSignal _signal = new();
    private readonly int _highWatermark;

    // Nothing until the first frame: an idle connection holds no buffer, and a buffer grown by a
    // burst of deliveries is dropped when the bursts stop (GrowableBufferWriter.Flushed).
    private GrowableBufferWriter _filling = new(0);
    private GrowableBufferWriter _draining = new(0);
    private bool _signalled;
    private bool _completed;

    protected SocketOutbound(int highWatermark)
    {
        _highWatermark = highWatermark;
    }

    /// <summary>Raised on the writer loop when a congested buffer has drained.</summary>
    public event Action? Drained;

    public bool IsCongested { get; private set; }

    /// <summary>The connection's bytes in and out; this buffer counts what it flushes, the connection's reader what it reads.</summary>
    public Statistics.ConnectionTraffic Traffic { get; } = new();

    /// <summary>
    /// Appends one frame, written by <paramref name="write"/> under the lock; nothing once completed.
    /// A writer that throws leaves nothing of the frame behind.
    /// </summary>
    protected void Append<TState>(TState state, Action<IBufferWriter<byte>, TState> write)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            var before = _filling.WrittenCount;
            try
            {
                write(_filling, state);
            }
            catch
            {
                _filling.Truncate(before);
                throw;
            }

            OnAppended();
            if (_filling.WrittenCount > _highWatermark)
            {
                IsCongested = true;
            }

            if (!DeferredToBatchLocked())
            {
                SignalLocked();
            }
        }
    }

    /// <summary>Called under the lock after each frame is appended.</summary>
    protected virtual void OnAppended()
    {
    }

    /// <summary>Stops accepting frames; the writer loop flushes what is queued and ends.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            SignalLocked();
        }
    }

    private void SignalLocked()
    {
        if (!_signalled)
        {
            _signalled = true;
            _signal.Set();
        }
    }

    /// <summary>The writer loop: runs until <see cref="Complete"/> and everything is flushed, or the pipe closes.</summary>
    public async Task RunAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _output = output;
            _cancellation = cancellationToken;
        }

        while (true)
        {
            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            bool completed;
            lock (_gate)
            {
                _signalled = false;
                if (_writing)
                {
                    // A reader is writing its batch out (WriteInline); it signals again when done.
                    continue;
                }

                _writing = true;
                (_filling, _draining) = (_draining, _filling);
                completed = _completed;
            }

            try
            {
                if (_draining.WrittenCount > 0)
                {
                    output.Write(_draining.WrittenSpan);
                    Traffic.OnSent(_draining.WrittenCount);
                    _draining.Flushed();
                    var result = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return;
                    }
                }
            }
            finally
            {
                lock (_gate)
                {
                    _writing = false;
                }
            }

            if (completed)
            {
                lock (_gate)
                {
                    if (_filling.WrittenCount == 0)
                    {
                        return;
                    }
                }

                _signal.Set();
                continue;
            }

            if (IsCongested)
            {
                lock (_gate)
                {
                    IsCongested = _filling.WrittenCount > _highWatermark;
                }

                if (!IsCongested)
                {
                    Drained?.Invoke();
                }
            }
        }
    }
}
