using System.Buffers;
using System.IO.Pipelines;
using Courier.Core.Buffers;
using Courier.Core.Concurrency;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>
/// The frames waiting to be written to one STOMP connection's socket.
/// </summary>
/// <remarks>
/// Written to by the connection's reader (receipts, errors), by queues delivering to its
/// subscriptions (on publishers' threads), by the store's committer (receipts once durable) and by
/// the heart-beat timer. Each write appends one whole frame under a short lock; one writer loop
/// swaps the filled buffer for an empty one and copies it to the pipe with a single flush. While
/// more than the high watermark waits, <see cref="IsCongested"/> tells subscriptions to stop
/// taking deliveries, and <see cref="Drained"/> tells them when to start again.
/// </remarks>
internal sealed class StompOutbound
{
    private readonly Lock _gate = new();
    private readonly AsyncSignal _signal = new();
    private readonly int _highWatermark;
    private readonly TimeProvider _time;
    private GrowableBufferWriter _filling = new(0);
    private GrowableBufferWriter _draining = new(0);
    private bool _signalled;
    private bool _completed;
    private long _lastWrite;

    public StompOutbound(int highWatermark, TimeProvider time)
    {
        _highWatermark = highWatermark;
        _time = time;
        _lastWrite = time.GetTimestamp();
    }

    /// <summary>The version frames are written in; set once CONNECT is read.</summary>
    public StompVersion Version { get; set; } = StompVersion.V12;

    /// <summary>Raised on the writer loop when a congested buffer has drained.</summary>
    public event Action? Drained;

    public bool IsCongested { get; private set; }

    /// <summary>When the last frame or heart-beat was queued (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastWrite => Volatile.Read(ref _lastWrite);

    /// <exception cref="ArgumentException">The frame cannot be expressed in the connection's version (nothing is written).</exception>
    public void Write(StompFrame frame)
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
                StompFrameWriter.Write(_filling, frame, Version);
            }
            catch (ArgumentException)
            {
                _filling.Truncate(before);
                throw;
            }

            Written();
        }
    }

    public void WriteHeartBeat()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            StompFrameWriter.WriteHeartBeat(_filling);
            Written();
        }
    }

    private void Written()
    {
        Volatile.Write(ref _lastWrite, _time.GetTimestamp());
        if (_filling.WrittenCount > _highWatermark)
        {
            IsCongested = true;
        }

        if (!_signalled)
        {
            _signalled = true;
            _signal.Set();
        }
    }

    /// <summary>Stops accepting frames; the writer loop flushes what is queued and ends.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            if (!_signalled)
            {
                _signalled = true;
                _signal.Set();
            }
        }
    }

    /// <summary>The writer loop: runs until <see cref="Complete"/> and everything is flushed, or the pipe closes.</summary>
    public async Task RunAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            bool completed;
            lock (_gate)
            {
                (_filling, _draining) = (_draining, _filling);
                _signalled = false;
                completed = _completed;
            }

            if (_draining.WrittenCount > 0)
            {
                output.Write(_draining.WrittenSpan);
                _draining.Flushed();
                var result = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
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
