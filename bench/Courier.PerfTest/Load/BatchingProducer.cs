using System.Diagnostics;
using System.Net.Sockets;
using Courier.PerfTest.Amqp;
using Courier.PerfTest.Measurement;

namespace Courier.PerfTest.Load;

/// <summary>
/// The publish loop of the lean MQTT and STOMP producers: messages are written straight into a
/// batch buffer, sent with one write once the batch passes <see cref="FlushAt"/> bytes, before the
/// loop would block on the window, and after every message when a rate is set. With a window each
/// message holds a <see cref="ConfirmWindow"/> tag until the broker settles it (a PUBACK, a
/// RECEIPT), which the subclass's reader thread reports. A connection lost or closed by the broker
/// ends the run with its reason.
/// </summary>
public abstract class BatchingProducer : ILoadProducer
{
    private const int FlushAt = 32 * 1024;

    private readonly CancellationTokenSource _closed = new();
    private readonly string _settlements;
    private Thread? _reader;
    private volatile string? _closeReason;
    private volatile bool _disposing;

    /// <param name="settlements">What the broker settles a message with, plural, for errors ("PUBACKs").</param>
    protected BatchingProducer(int id, ConfirmWindow? window, ProducerCounters counters, RatePacer pacer, string settlements)
    {
        Id = id;
        Window = window;
        Counters = counters;
        Pacer = pacer;
        _settlements = settlements;
    }

    protected int Id { get; }

    protected ConfirmWindow? Window { get; }

    protected ProducerCounters Counters { get; }

    protected RatePacer Pacer { get; }

    /// <summary>The most bytes <see cref="WriteMessage"/> writes for one message.</summary>
    protected abstract int MessageLength { get; }

    public long Run(long messageLimit, TimeSpan settleTimeout, CancellationToken stop)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop, _closed.Token);
        var batch = new byte[FlushAt + MessageLength];
        int used = 0;
        long sequence = 0;
        Pacer.Start();
        try
        {
            while ((messageLimit == 0 || sequence < messageLimit) && Pacer.WaitTurn(cancel.Token))
            {
                ulong tag = 0;
                if (Window is not null && !Window.TryReserve(out tag))
                {
                    Flush(batch, ref used);
                    tag = Window.Reserve(cancel.Token);
                }

                used += WriteMessage(batch.AsSpan(used), sequence, tag);
                Counters.CountSent();

                sequence++;
                if (used >= FlushAt || Pacer.Limited)
                {
                    Flush(batch, ref used);
                }
            }

            Flush(batch, ref used);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            if (_closeReason is null)
            {
                Flush(batch, ref used);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException && _closeReason is not null)
        {
        }

        long stopped = Stopwatch.GetTimestamp();
        if (_closeReason is not null)
        {
            throw new InvalidOperationException($"producer {Id}: connection closed: {_closeReason}");
        }

        Window?.Drain(settleTimeout, _closed.Token);
        return _closeReason is null ? stopped : throw new InvalidOperationException($"producer {Id}: connection lost waiting for {_settlements}: {_closeReason}");
    }

    public ValueTask DisposeAsync()
    {
        _disposing = true;
        CloseConnection(graceful: _closeReason is null);
        _reader?.Join(TimeSpan.FromSeconds(5));
        Window?.Dispose();
        _closed.Dispose();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes message <paramref name="sequence"/> (window tag <paramref name="tag"/>, 0 without a window); returns its length.</summary>
    protected abstract int WriteMessage(Span<byte> destination, long sequence, ulong tag);

    /// <summary>Sends a batch of whole messages.</summary>
    protected abstract void Send(ReadOnlySpan<byte> batch);

    /// <summary>Reads what the broker sends until the connection ends (by throwing), settling the window.</summary>
    protected abstract void ReadReplies();

    /// <summary>Closes the connection, saying goodbye first when <paramref name="graceful"/>.</summary>
    protected abstract void CloseConnection(bool graceful);

    /// <summary>Starts the reader thread; the subclass calls it once its own fields are set.</summary>
    protected void StartReader(string name)
    {
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = name };
        _reader.Start();
    }

    /// <summary>The broker ended the conversation: the run stops publishing and fails with <paramref name="reason"/>.</summary>
    protected void Closed(string reason)
    {
        _closeReason ??= reason;
        _closed.Cancel();
    }

    private void Flush(byte[] batch, ref int used)
    {
        if (used > 0)
        {
            Send(batch.AsSpan(0, used));
            used = 0;
        }
    }

    private void ReadLoop()
    {
        try
        {
            ReadReplies();
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            if (!_disposing)
            {
                Closed($"connection lost: {e.Message}");
            }
        }
        catch (Exception e)
        {
            Closed($"unexpected input from the broker: {e.GetType().Name}: {e.Message}");
        }
    }
}
