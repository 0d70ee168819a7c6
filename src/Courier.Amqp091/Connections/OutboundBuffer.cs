using System.Buffers;
using System.IO.Pipelines;
using Courier.Amqp091.Framing;
using Courier.Core.Buffers;
using Courier.Core.Concurrency;
using Courier.Core.Messages;

namespace Courier.Amqp091.Connections;

/// <summary>
/// The frames waiting to be written to one connection's socket.
/// </summary>
/// <remarks>
/// Many threads write here: the connection's own reader (replies), and queues delivering to its
/// consumers from publishers' threads. Each write appends whole frames under a short lock, so the
/// frames of one delivery are never interleaved with anything else. One writer loop
/// (<see cref="RunAsync"/>) swaps the filled buffer for an empty one and copies it into the pipe
/// with a single flush, so a burst of deliveries costs one socket write. The pipe's flush is where
/// back pressure from a slow client shows; while bytes pile up past the high watermark,
/// <see cref="IsCongested"/> tells consumers to stop taking deliveries.
/// </remarks>
internal sealed class OutboundBuffer
{
    private readonly Lock _gate = new();
    private readonly AsyncSignal _signal = new();
    private readonly int _highWatermark;
    // Small to start with: an idle connection should cost little memory. A grown buffer is kept
    // while bursts keep coming and dropped when they stop (GrowableBufferWriter.Flushed).
    private const int InitialCapacity = 1024;
    private GrowableBufferWriter _filling = new(InitialCapacity);
    private GrowableBufferWriter _draining = new(InitialCapacity);
    private bool _signalled;
    private bool _completed;
    private long _lastWriteTimestamp;

    public OutboundBuffer(int highWatermark)
    {
        _highWatermark = highWatermark;
    }

    /// <summary>Raised on the writer loop when a congested buffer has drained; consumers may take deliveries again.</summary>
    public event Action? Drained;

    /// <summary>Bytes written and not yet handed to the pipe, plus those the pipe has not flushed.</summary>
    public bool IsCongested { get; private set; }

    /// <summary>The connection's bytes in and out; this buffer counts what it flushes, the connection's reader what it reads.</summary>
    public Core.Statistics.ConnectionTraffic Traffic { get; } = new();

    /// <summary>When the writer loop last flushed anything (TimeProvider timestamp), for heartbeats.</summary>
    public long LastWriteTimestamp => Volatile.Read(ref _lastWriteTimestamp);

    public void WriteMethod<TMethod>(ushort channel, in TMethod method)
        where TMethod : IAmqpMethod
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            AmqpFrameWriter.WriteMethod(_filling, channel, method);
            SignalLocked();
        }
    }

    public void WriteContent<TMethod>(ushort channel, in TMethod method, Message message, uint frameMax)
        where TMethod : IAmqpMethod
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            AmqpFrameWriter.WriteMethod(_filling, channel, method);
            var body = message.Body.Span;
            AmqpFrameWriter.WriteContentHeader(_filling, channel, AmqpClassId.Basic, (ulong)body.Length, message.Properties, message.Annotations.More);
            AmqpFrameWriter.WriteBody(_filling, channel, body, frameMax);
            SignalLocked();
        }
    }

    public void WriteHeartbeat()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            AmqpFrameWriter.WriteHeartbeat(_filling);
            SignalLocked();
        }
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _filling.Write(bytes);
            SignalLocked();
        }
    }

    /// <summary>Stops accepting frames; the writer loop flushes what is queued and ends.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            if (!_signalled)
            {
                _signalled = true;
                _signal.Set();
            }
        }
    }

    private void SignalLocked()
    {
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

    /// <summary>The writer loop: runs until <see cref="Complete"/> has been called and everything is flushed, or the pipe closes.</summary>
    public async Task RunAsync(PipeWriter output, TimeProvider time, CancellationToken cancellationToken)
    {
        var completed = false;
        while (true)
        {
            if (!completed)
            {
                await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            lock (_gate)
            {
                (_filling, _draining) = (_draining, _filling);
                _signalled = false;
                completed = _completed;
            }

            if (_draining.WrittenCount > 0)
            {
                output.Write(_draining.WrittenSpan);
                Traffic.OnSent(_draining.WrittenCount);
                _draining.Flushed();

                var result = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _lastWriteTimestamp, time.GetTimestamp());
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

                continue;
            }

            if (IsCongested)
            {
                bool stillCongested;
                lock (_gate)
                {
                    stillCongested = _filling.WrittenCount > _highWatermark;
                    IsCongested = stillCongested;
                }

                if (!stillCongested)
                {
                    Drained?.Invoke();
                }
            }
        }
    }
}
