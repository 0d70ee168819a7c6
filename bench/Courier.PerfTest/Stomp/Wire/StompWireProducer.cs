using System.Buffers.Text;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Courier.PerfTest.Amqp;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Messages;

namespace Courier.PerfTest.Stomp.Wire;

/// <summary>
/// A producer on the lean STOMP client: the publish loop writes SEND frames straight into a batch
/// buffer and sends the batch once it passes <see cref="FlushAt"/> bytes, before the loop would
/// block on the window, and after every message when a rate is set. With a receipt window each
/// SEND carries <c>receipt:&lt;tag&gt;</c> (a <see cref="ConfirmWindow"/> tag) and holds its slot
/// until the RECEIPT, which a reader thread of its own settles: for a persistent SEND to a durable
/// queue that is the broker's word that the message is on disk, as a publisher confirm is.
/// </summary>
public sealed class StompWireProducer : ILoadProducer
{
    private const int FlushAt = 32 * 1024;
    private const int ReceiptHeaderMax = 32; // "receipt:" + a ulong + LF

    private readonly StompWireConnection _connection;
    private readonly ConfirmWindow? _window;
    private readonly int _id;
    private readonly ProducerCounters _counters;
    private readonly RatePacer _pacer;
    private readonly byte[] _headers;
    private readonly byte[] _body;
    private readonly CancellationTokenSource _closed = new();
    private readonly Thread _reader;
    private volatile string? _closeReason;
    private volatile bool _disposing;

    private StompWireProducer(StompWireConnection connection, int id, string destination, bool persistent, int messageSize, int window,
        ProducerCounters counters, RatePacer pacer)
    {
        _connection = connection;
        _id = id;
        _counters = counters;
        _pacer = pacer;
        _body = MessageStamp.NewBody(messageSize);
        _headers = Encoding.UTF8.GetBytes(
            $"SEND\ndestination:{destination}\n{(persistent ? "persistent:true\n" : "")}content-length:{_body.Length}\n");
        _window = window > 0 ? new ConfirmWindow(window) : null;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"perftest-stomp-producer-{id}-reader" };
        _reader.Start();
    }

    internal static Task<StompWireProducer> CreateAsync(StompEndpoint endpoint, int id, string destination, bool persistent, int messageSize,
        int window, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken) =>
        Task.Run(() => new StompWireProducer(endpoint.Open(), id, destination, persistent, messageSize, window, counters, pacer), cancellationToken);

    private int MessageLength => _headers.Length + ReceiptHeaderMax + 1 + _body.Length + 1;

    public long Run(long messageLimit, TimeSpan settleTimeout, CancellationToken stop)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop, _closed.Token);
        var batch = new byte[FlushAt + MessageLength];
        int used = 0;
        long sequence = 0;
        _pacer.Start();
        try
        {
            while ((messageLimit == 0 || sequence < messageLimit) && _pacer.WaitTurn(cancel.Token))
            {
                ulong tag = 0;
                if (_window is not null && !_window.TryReserve(out tag))
                {
                    Flush(batch, ref used);
                    tag = _window.Reserve(cancel.Token);
                }

                used += WriteMessage(batch.AsSpan(used), sequence, tag);
                _counters.CountSent();

                sequence++;
                if (used >= FlushAt || _pacer.Limited)
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
            throw new InvalidOperationException($"producer {_id}: connection closed: {_closeReason}");
        }

        _window?.Drain(settleTimeout, _closed.Token);
        return _closeReason is null ? stopped : throw new InvalidOperationException($"producer {_id}: connection lost waiting for receipts: {_closeReason}");
    }

    public ValueTask DisposeAsync()
    {
        _disposing = true;
        if (_closeReason is null)
        {
            _connection.Close();
        }
        else
        {
            _connection.Dispose();
        }

        _reader.Join(TimeSpan.FromSeconds(5));
        _window?.Dispose();
        _closed.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One SEND frame: the fixed headers, the receipt (with a window), a blank line, the stamped body and NUL.</summary>
    private int WriteMessage(Span<byte> destination, long sequence, ulong tag)
    {
        new MessageStamp(_id, sequence, Stopwatch.GetTimestamp()).Write(_body);
        _headers.CopyTo(destination);
        int length = _headers.Length;
        if (tag != 0)
        {
            "receipt:"u8.CopyTo(destination[length..]);
            length += "receipt:"u8.Length;
            Utf8Formatter.TryFormat(tag, destination[length..], out int digits);
            length += digits;
            destination[length++] = (byte)'\n';
        }

        destination[length++] = (byte)'\n';
        _body.CopyTo(destination[length..]);
        length += _body.Length;
        destination[length++] = 0;
        return length;
    }

    private void Flush(byte[] batch, ref int used)
    {
        if (used > 0)
        {
            _connection.Send(batch.AsSpan(0, used));
            used = 0;
        }
    }

    private void ReadLoop()
    {
        try
        {
            while (true)
            {
                var frame = _connection.ReadFrame();
                if (frame.Is("RECEIPT"u8) && _window is not null && frame.TryGetHeader("receipt-id"u8, out var id)
                    && Utf8Parser.TryParse(id, out ulong tag, out _))
                {
                    _counters.CountConfirmed(_window.Settle(tag, multiple: false));
                }
                else if (frame.Is("ERROR"u8))
                {
                    Closed($"ERROR from the broker: {frame.Describe()}");
                    return;
                }
            }
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

    private void Closed(string reason)
    {
        _closeReason ??= reason;
        _closed.Cancel();
    }
}
