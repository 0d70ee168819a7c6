using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Messages;

namespace Courier.PerfTest.Amqp.Wire;

/// <summary>
/// A producer on the lean client: the publish loop encodes basic.publish, the content header and
/// the body frames straight into a batch buffer and writes the batch with one send once it passes
/// <see cref="FlushAt"/> bytes, before the loop would block on the confirm window, and after every
/// message when a rate is set (so a paced message is never held back). A reader thread of its own
/// settles confirms.
/// </summary>
public sealed class WireProducer : ILoadProducer
{
    private const int FlushAt = 32 * 1024;

    private readonly WireConnection _connection;
    private readonly ConfirmWindow? _window;
    private readonly int _id;
    private readonly ProducerCounters _counters;
    private readonly RatePacer _pacer;
    private readonly byte[] _prefix;
    private readonly byte[] _body;
    private readonly int _bodyChunk;
    private readonly CancellationTokenSource _closed = new();
    private readonly Thread _reader;
    private volatile string? _closeReason;
    private volatile bool _disposing;

    private WireProducer(WireConnection connection, ConfirmWindow? window, int id, string exchange, string routingKey,
        int messageSize, bool persistent, ProducerCounters counters, RatePacer pacer)
    {
        _connection = connection;
        _window = window;
        _id = id;
        _counters = counters;
        _pacer = pacer;
        _body = MessageStamp.NewBody(messageSize);
        _bodyChunk = connection.FrameMax - WireCodec.FrameOverhead;

        Span<byte> arguments = stackalloc byte[1024];
        var publish = new ArgumentWriter(arguments);
        publish.Short(0);
        publish.ShortString(exchange);
        publish.ShortString(routingKey);
        publish.Octet(0); // neither mandatory nor immediate
        var prefix = new byte[2048];
        int length = WireCodec.WriteMethod(prefix, WireConnection.Channel, WireCodec.BasicClass, 40, publish.Written);
        length += WireCodec.WriteBasicHeader(prefix.AsSpan(length), WireConnection.Channel, _body.Length, persistent);
        _prefix = prefix[..length];

        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"perftest-producer-{id}-reader" };
        _reader.Start();
    }

    public static Task<WireProducer> CreateAsync(Uri uri, int id, string exchange, string routingKey, int messageSize, bool persistent,
        int confirmWindow, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            var connection = WireConnection.Open(uri, $"perftest-producer-{id}");
            try
            {
                if (confirmWindow > 0)
                {
                    connection.SendMethod(85, 10, [0]); // confirm.select, wait for select-ok
                    connection.Expect(85, 11);
                }

                var window = confirmWindow > 0 ? new ConfirmWindow(confirmWindow) : null;
                return new WireProducer(connection, window, id, exchange, routingKey, messageSize, persistent, counters, pacer);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }, cancellationToken);

    private int MessageLength => _prefix.Length + _body.Length + ((_body.Length + _bodyChunk - 1) / _bodyChunk * WireCodec.FrameOverhead);

    public long Run(long messageLimit, TimeSpan settleTimeout, CancellationToken stop)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop, _closed.Token);

        // A broker that stops reading (a resource alarm: this client does not ask to be told)
        // would block a send for ever. Once publishing should have stopped, the final flush and
        // the confirms get the settle timeout; past it the socket is closed under the send.
        using var abandon = new CancellationTokenSource();
        using var abandonAfterStop = stop.Register(() => abandon.CancelAfter(settleTimeout));
        using var onAbandon = abandon.Token.UnsafeRegister(static (s, _) => ((WireProducer)s!).Abandoned(), this);
        var batch = new byte[FlushAt + MessageLength];
        int used = 0;
        long sequence = 0;
        _pacer.Start();
        try
        {
            while ((messageLimit == 0 || sequence < messageLimit) && _pacer.WaitTurn(cancel.Token))
            {
                if (_window is not null && !_window.TryReserve(out _))
                {
                    Flush(batch, ref used);
                    _window.Reserve(cancel.Token);
                }

                used += WriteMessage(batch.AsSpan(used), sequence);
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
            throw new InvalidOperationException($"producer {_id}: channel closed: {_closeReason}");
        }

        _window?.Drain(settleTimeout, _closed.Token);
        if (_closeReason is not null)
        {
            throw new InvalidOperationException($"producer {_id}: connection lost waiting for confirms: {_closeReason}");
        }

        return stopped;
    }

    public ValueTask DisposeAsync()
    {
        _disposing = true;
        if (_closeReason is null)
        {
            try
            {
                _connection.SendConnectionClose();
                _reader.Join(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        _connection.Dispose();
        _reader.Join(TimeSpan.FromSeconds(5));
        _window?.Dispose();
        _closed.Dispose();
        return ValueTask.CompletedTask;
    }

    private int WriteMessage(Span<byte> destination, long sequence)
    {
        new MessageStamp(_id, sequence, Stopwatch.GetTimestamp()).Write(_body);
        _prefix.CopyTo(destination);
        int length = _prefix.Length;
        for (int offset = 0; offset < _body.Length; offset += _bodyChunk)
        {
            var chunk = _body.AsSpan(offset, Math.Min(_bodyChunk, _body.Length - offset));
            chunk.CopyTo(destination[(length + 7)..]);
            length += WireCodec.CloseFrame(destination[length..], WireCodec.BodyFrame, WireConnection.Channel, chunk.Length);
        }

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
                var arguments = _connection.ReadMethod(out ushort classId, out ushort methodId);
                switch ((classId, methodId))
                {
                    case (60, 80): // basic.ack
                    case (60, 120): // basic.nack
                        ulong tag = BinaryPrimitives.ReadUInt64BigEndian(arguments);
                        bool multiple = (arguments[8] & 1) != 0;
                        int settled = _window?.Settle(tag, multiple) ?? 0;
                        if (methodId == 80)
                        {
                            _counters.CountConfirmed(settled);
                        }
                        else
                        {
                            _counters.CountNacked(settled);
                        }

                        break;
                    default:
                        if (_connection.TryHandleClose(classId, methodId, arguments, out string? reply, out bool done))
                        {
                            if (reply is not null)
                            {
                                Closed(reply);
                            }

                            if (done)
                            {
                                return;
                            }
                        }

                        break;
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
            // Anything else is a frame this client cannot make sense of: end this connection's
            // part of the run with the reason, rather than the whole process.
            Closed($"unexpected input from the broker: {e.GetType().Name}: {e.Message}");
        }
    }

    private void Abandoned()
    {
        Closed("the broker stopped reading this connection (publishing blocked past the settle timeout)");
        _connection.Dispose();
    }

    private void Closed(string reason)
    {
        _closeReason ??= reason;
        _closed.Cancel();
    }
}
